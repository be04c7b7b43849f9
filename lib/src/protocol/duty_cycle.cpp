// The duty cycle of a throttled job; see duty_cycle.hpp. Each period is a run phase and a stop
// phase. The counters read during each phase give the host's rate while the job runs (job and
// background) and while it is stopped (background, and the tail of the job's traffic in
// flight); the share that keeps the period's average at the target follows from the two:
//   duty * running + (1 - duty) * stopped = target.
// Both rates are smoothed over phases, and the lag of a job after SIGCONT shows up in them, so
// the share settles where the measured average meets the target.
#include <mcast/duty_cycle.hpp>

#include <algorithm>

namespace mcast {

namespace {

// A phase measured for less than this says too little about a rate.
constexpr std::chrono::milliseconds kMinMeasured{20};
// Shorter than this, a stop phase is not worth two signals.
constexpr std::chrono::milliseconds kMinStop{5};

double seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
}

} // namespace

DutyCycle::DutyCycle(DutyCycleConfig cfg, MonoTime now)
    : cfg_(cfg), phase_start_(now), phase_end_(now + cfg.period), last_at_(now) {
    cfg_.min_duty = std::clamp(cfg_.min_duty, 0.0, 1.0);
    cfg_.smoothing = std::clamp(cfg_.smoothing, 0.01, 1.0);
    if (cfg_.period <= std::chrono::milliseconds(0)) cfg_.period = std::chrono::milliseconds(1000);
}

void DutyCycle::set_target(std::optional<std::uint64_t> bps) {
    target_ = bps;
}

bool DutyCycle::step(std::optional<ByteCounters> counters, MonoTime now) {
    if (counters && last_ && now > last_at_) {
        // A counter that went backwards was reset: that interval says nothing.
        if (counters->tx >= last_->tx && counters->rx >= last_->rx) {
            phase_tx_ += counters->tx - last_->tx;
            phase_rx_ += counters->rx - last_->rx;
            phase_measured_ += now - last_at_;
        }
    }
    last_ = counters;
    last_at_ = now;
    // A lifted limit ends a stop at once; a new one waits for the next period.
    if ((!running_ && !target_) || now >= phase_end_) {
        end_phase(now);
        begin_phase(now);
    }
    return running_;
}

void DutyCycle::end_phase(MonoTime) {
    if (phase_measured_ >= kMinMeasured) {
        const double bytes = static_cast<double>(std::max(phase_tx_, phase_rx_));
        const double bps = bytes * 8.0 / seconds(phase_measured_);
        auto& estimate = running_ ? on_bps_ : off_bps_;
        estimate = estimate ? *estimate + cfg_.smoothing * (bps - *estimate) : bps;
    }
    phase_tx_ = phase_rx_ = 0;
    phase_measured_ = std::chrono::nanoseconds(0);
}

void DutyCycle::begin_phase(MonoTime now) {
    phase_start_ = now;
    const auto period = std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.period);
    const auto part = [&](double share) {
        return std::chrono::nanoseconds(
            static_cast<std::int64_t>(share * static_cast<double>(period.count())));
    };
    if (running_ && duty_ < 1.0 && target_) {
        const auto stop = part(1.0 - duty_);
        if (stop >= kMinStop) {
            running_ = false;
            phase_end_ = now + stop;
            return;
        }
    }
    // A new period: its share from what the last ones measured.
    duty_ = next_duty();
    running_ = true;
    phase_end_ = now + std::max(part(duty_), std::chrono::nanoseconds(kMinStop));
}

double DutyCycle::next_duty() const {
    if (!target_) return 1.0;
    if (!on_bps_) return std::max(0.5, cfg_.min_duty); // nothing measured yet: a guess
    const double target = static_cast<double>(*target_);
    const double on = *on_bps_;
    const double off = off_bps_.value_or(0.0);
    if (on <= target) return 1.0;
    if (off >= target || on - off <= 1.0) return cfg_.min_duty; // the rest is not the job's
    return std::clamp((target - off) / (on - off), cfg_.min_duty, 1.0);
}

} // namespace mcast
