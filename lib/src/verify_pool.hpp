// A small pool of threads for the receiver's signature checks (Receiver::ingest_batch): run()
// hands out the indices of one wake-up's tasks to the workers and to the calling thread, and
// returns when every task has returned. The caller works too, so a worker the scheduler is slow
// to wake costs no waiting: it joins late or not at all. Threads start once and sleep between
// wake-ups; nothing is shared between tasks but the index counter.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mcast::detail {

class VerifyPool {
public:
    // `threads` in all, the caller's included: threads - 1 workers (none for 0 or 1).
    explicit VerifyPool(unsigned threads);
    ~VerifyPool();
    VerifyPool(const VerifyPool&) = delete;
    VerifyPool& operator=(const VerifyPool&) = delete;

    // Calls fn(0) ... fn(n - 1) on the workers and this thread; returns when all have returned.
    // fn must not throw. Not reentrant: one run() at a time.
    void run(std::size_t n, const std::function<void(std::size_t)>& fn);
    unsigned threads() const { return static_cast<unsigned>(workers_.size()) + 1; }

private:
    struct Job;
    void work();
    static void drain(Job& job);

    std::mutex mutex_;
    std::condition_variable wake_, idle_;
    Job* job_ = nullptr;      // the run() under way; cleared when its indices are all taken
    std::size_t busy_ = 0;    // workers inside the current job
    std::uint64_t epoch_ = 0; // counts run() calls: a worker takes each job once
    bool stop_ = false;
    std::vector<std::thread> workers_;
};

} // namespace mcast::detail
