// Round-trip tracking; see rtt_floor.hpp.
#include "protocol/rtt_floor.hpp"

#include <algorithm>
#include <vector>

namespace mcast {

void RttTracker::add(std::uint32_t rtt_us, MonoTime now) {
    ++samples_;
    recent_.push_back({now, rtt_us});
    while (recent_.size() > cfg_.recent)
        recent_.pop_front();
    if (buckets_.empty() || now - buckets_.back().start >= cfg_.bucket)
        buckets_.push_back({now, rtt_us});
    else
        buckets_.back().min_us = std::min(buckets_.back().min_us, rtt_us);
    // Buckets that started `buckets` bucket lengths ago or earlier have left the window.
    const auto window = cfg_.bucket * static_cast<long>(cfg_.buckets);
    while (buckets_.size() > 1 && now - buckets_.front().start >= window)
        buckets_.pop_front();
}

void RttTracker::timeout(MonoTime) {
    ++timeouts_;
}

std::optional<std::uint32_t> RttTracker::now_us(MonoTime now) const {
    std::vector<std::uint32_t> v;
    for (const auto& s : recent_)
        if (now - s.at <= cfg_.recent_max_age) v.push_back(s.us);
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    // The lower median of an even count: a single slow reply in four does not move it.
    return v[(v.size() - 1) / 2];
}

std::optional<std::uint32_t> RttTracker::floor_us() const {
    if (buckets_.empty()) return std::nullopt;
    std::uint32_t m = buckets_.front().min_us;
    for (const auto& b : buckets_)
        m = std::min(m, b.min_us);
    return m;
}

std::optional<std::uint32_t> RttTracker::queueing_us(MonoTime now) const {
    auto n = now_us(now);
    auto f = floor_us();
    if (!n || !f) return std::nullopt;
    return *n - std::min(*n, *f);
}

} // namespace mcast
