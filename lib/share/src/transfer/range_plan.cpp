// RangePlan: the assignment of blocks to holders.
#include "transfer/range_plan.hpp"

#include <stdexcept>

namespace mcast::share {

RangePlan::RangePlan(BlockMap done, std::size_t holders, std::size_t max_span)
    : verified_(std::move(done)), in_flight_(verified_.size(), false), holders_(holders),
      max_span_(max_span == 0 ? 1 : max_span) {}

bool RangePlan::available(std::size_t block) const {
    return !verified_.has(block) && !in_flight_[block];
}

std::optional<BlockSpan> RangePlan::next(std::size_t holder, bool ahead) {
    auto& h = holders_.at(holder);
    if (h.out || (!ahead && !h.assigned.empty())) return std::nullopt;
    const std::size_t n = verified_.size();
    // From the cursor to the end, then from the start: the first block this holder may serve.
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t first = (cursor_ + k) % n;
        if (!available(first) || h.refused.count(first)) continue;
        BlockSpan span{first, 0};
        while (span.count < max_span_ && first + span.count < n && available(first + span.count) &&
               !h.refused.count(first + span.count)) {
            in_flight_[first + span.count] = true;
            h.assigned.insert(first + span.count);
            ++span.count;
        }
        return span;
    }
    return std::nullopt;
}

void RangePlan::verified(std::size_t holder, std::size_t block) {
    auto& h = holders_.at(holder);
    if (!h.assigned.erase(block)) throw std::logic_error("block not assigned to this holder");
    in_flight_[block] = false;
    verified_.set(block);
}

void RangePlan::bad(std::size_t holder, std::size_t block) {
    auto& h = holders_.at(holder);
    h.refused.insert(block);
    h.bad = true;
    release(holder, true);
}

void RangePlan::release(std::size_t holder, bool out) {
    auto& h = holders_.at(holder);
    for (auto b : h.assigned)
        in_flight_[b] = false;
    h.assigned.clear();
    if (out) h.out = true;
}

void RangePlan::want(std::size_t block) {
    if (block < verified_.size()) cursor_ = block;
}

bool RangePlan::stuck() const {
    if (done()) return false;
    for (std::size_t b = 0; b < verified_.size(); ++b) {
        if (verified_.has(b)) continue;
        bool someone = false;
        for (const auto& h : holders_)
            if (!h.out && !h.refused.count(b)) someone = true;
        if (!someone) return true;
    }
    return false;
}

std::size_t RangePlan::in_flight() const {
    std::size_t n = 0;
    for (bool f : in_flight_)
        n += f ? 1 : 0;
    return n;
}

} // namespace mcast::share
