// The nonces of the queries a querier sent in the last few seconds: an answer is taken only
// when it carries one of them. Answers come within a query's answer delay (40 ms), so a nonce
// older than that is of no use, except to someone replaying a captured answer to an old query
// of a long run (discover --watch, ping). Bounded in time and in number; sans-IO and
// header-only: time is passed in.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <utility>

namespace mcast::detail {

template <class Nonce> class RecentNonces {
public:
    using Time = std::chrono::steady_clock::time_point;

    explicit RecentNonces(std::chrono::nanoseconds keep = std::chrono::seconds(5),
                          std::size_t max = 64)
        : keep_(keep), max_(max) {}

    void add(const Nonce& n, Time now) {
        forget_before(now);
        sent_.emplace_back(n, now);
        while (sent_.size() > max_)
            sent_.pop_front();
    }

    bool contains(const Nonce& n, Time now) {
        forget_before(now);
        return std::any_of(sent_.begin(), sent_.end(), [&](auto& e) { return e.first == n; });
    }

    std::size_t size() const { return sent_.size(); }

private:
    void forget_before(Time now) {
        while (!sent_.empty() && now - sent_.front().second > keep_)
            sent_.pop_front();
    }

    std::chrono::nanoseconds keep_;
    std::size_t max_;
    std::deque<std::pair<Nonce, Time>> sent_; // oldest first
};

} // namespace mcast::detail
