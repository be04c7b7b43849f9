// The decisions of `mcast yield`; see yield_controller.hpp.
#include "yield_controller.hpp"

#include <algorithm>

namespace mcast::cli {

YieldController::YieldController(YieldConfig cfg, MonoTime now) : cfg_(cfg), duty_(cfg.duty, now) {}

std::optional<std::uint64_t> YieldController::target_for(const Advice& a) const {
    // pause: nothing, or --min-rate; throttle: the advised rate, at least --min-rate (without
    // either, 0: the duty cycle's smallest share).
    if (cfg_.mode == YieldMode::pause) return cfg_.min_rate_bps;
    return std::max(a.rate_bps.value_or(0), cfg_.min_rate_bps.value_or(0));
}

std::optional<YieldChange> YieldController::advise(const std::optional<Advice>& advice, MonoTime) {
    const bool yield = advice && advice->yield;
    if (yield) target_ = target_for(*advice);
    duty_.set_target(yield ? target_ : std::nullopt);
    if (yield == yielding_) return std::nullopt;
    yielding_ = yield;
    if (!yield) target_.reset();
    YieldChange change;
    change.yielding = yield;
    if (yield) {
        change.advised_bps = advice->rate_bps;
        change.target_bps = target_;
        change.reason = advice->reason;
    }
    return change;
}

bool YieldController::should_run(std::optional<ByteCounters> counters, MonoTime now) {
    bool run = true;
    if (needs_counters()) run = duty_.step(counters, now);
    if (!yielding_) return true;
    if (!target_) return false;
    return run;
}

std::optional<MonoTime> YieldController::next_wakeup() const {
    if (!needs_counters()) return std::nullopt;
    return duty_.next_wakeup();
}

} // namespace mcast::cli
