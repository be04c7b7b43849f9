// The receiver's worker threads; see verify_pool.hpp.
#include "verify_pool.hpp"

#include <atomic>

namespace mcast::detail {

struct VerifyPool::Job {
    std::size_t n;
    const std::function<void(std::size_t)>* fn;
    std::atomic<std::size_t> next{0};
};

VerifyPool::VerifyPool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i)
        workers_.emplace_back([this] { work(); });
}

VerifyPool::~VerifyPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_)
        t.join();
}

void VerifyPool::drain(Job& job) {
    for (auto i = job.next.fetch_add(1); i < job.n; i = job.next.fetch_add(1))
        (*job.fn)(i);
}

void VerifyPool::run(std::size_t n, const std::function<void(std::size_t)>& fn) {
    if (workers_.empty() || n < 2) {
        for (std::size_t i = 0; i < n; ++i)
            fn(i);
        return;
    }
    Job job{n, &fn};
    {
        std::lock_guard lock(mutex_);
        job_ = &job;
        ++epoch_;
    }
    wake_.notify_all();
    drain(job);
    // Every index is taken: no worker may join now, and those inside finish theirs.
    std::unique_lock lock(mutex_);
    job_ = nullptr;
    idle_.wait(lock, [&] { return busy_ == 0; });
}

void VerifyPool::work() {
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || (job_ && epoch_ != seen); });
        if (stop_) return;
        seen = epoch_;
        Job& job = *job_;
        ++busy_;
        lock.unlock();
        drain(job);
        lock.lock();
        if (--busy_ == 0) idle_.notify_one();
    }
}

} // namespace mcast::detail
