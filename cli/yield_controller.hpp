// What `mcast yield` does with the advice, without doing it: whether the job yields, the
// transitions that records, notes and hooks report, and whether CMD should run at each moment
// (pause: stopped while yielding; throttle, or pause with --min-rate: a DutyCycle towards the
// target rate). cmd_yield.cpp polls the AdviceSource, reads the counters and sends the signals;
// this class only decides, so that its rules are tested with a clock the test moves.
#pragma once

#include <mcast/duty_cycle.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/weather.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mcast::cli {

// Where yield's advice comes from: polled every ~250 ms; nullopt when there is none (no resident
// node to ask), which counts as clear: the job runs at full speed.
using AdviceSource = std::function<std::optional<Advice>()>;
// The host's byte counters now (interfaces of the default routes), nullopt when unreadable.
using CounterSource = std::function<std::optional<ByteCounters>()>;

enum class YieldMode { pause, throttle };

struct YieldConfig {
    YieldMode mode = YieldMode::pause;
    std::optional<std::uint64_t> min_rate_bps = {}; // --min-rate
    DutyCycleConfig duty{};
};

// A change between running free and yielding.
struct YieldChange {
    bool yielding = false;
    std::optional<std::uint64_t> advised_bps; // the advice's rate, when it gave one
    std::optional<std::uint64_t> target_bps;  // what the duty cycle aims at; none: stopped/free
    std::string reason;                       // the advice's reason
};

class YieldController {
public:
    YieldController(YieldConfig cfg, MonoTime now);

    // The advice polled at now; returns the change it makes, if any. While yielding, a new rate
    // moves the target without a change.
    std::optional<YieldChange> advise(const std::optional<Advice>& advice, MonoTime now);
    // Whether CMD should run at now, given the counters read at now (read only when
    // needs_counters(): they are measured all along, so that a yield starts from the job's
    // real rate).
    bool should_run(std::optional<ByteCounters> counters, MonoTime now);
    // When should_run() may change next without new advice; nullopt unless cycling.
    std::optional<MonoTime> next_wakeup() const;

    bool yielding() const { return yielding_; }
    // Whether the job is being duty-cycled now.
    bool cycling() const { return yielding_ && target_.has_value(); }
    // Whether a duty cycle may be needed (throttle mode, or --min-rate).
    bool needs_counters() const {
        return cfg_.mode == YieldMode::throttle || cfg_.min_rate_bps.has_value();
    }
    const std::optional<std::uint64_t>& target_bps() const { return target_; }
    const DutyCycle& duty_cycle() const { return duty_; }

private:
    std::optional<std::uint64_t> target_for(const Advice& a) const;

    YieldConfig cfg_;
    bool yielding_ = false;
    std::optional<std::uint64_t> target_; // while yielding: the duty cycle's; none: stop
    DutyCycle duty_;
};

} // namespace mcast::cli
