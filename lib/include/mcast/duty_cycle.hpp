// Duty-cycling a job towards a rate, sans-IO: a job that cannot be told its own limit (a bulk
// download, a backup) is run for part of each period and stopped for the rest, and the part is
// worked out from what the host's interface counters say the host moves while the job runs and
// while it is stopped. `mcast yield --mode throttle` drives it with SIGSTOP/SIGCONT of the job's
// process group; any program can drive it with its own way of pausing work. An approximation:
// the counters hold the whole host's traffic, and a job's rate lags its stops and starts.
//   DutyCycle dc({}, now);
//   dc.set_target(2'000'000);                 // bits per second; nullopt: no limit
//   every wakeup: bool run = dc.step(read_counters(), now);  (stop or continue the job)
//                 sleep until dc.next_wakeup()
#pragma once

#include <mcast/export.hpp>
#include <mcast/mono_time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace mcast {

struct DutyCycleConfig {
    std::chrono::milliseconds period{1000}; // one run phase and one stop phase
    double min_duty = 0.05;                 // the job always runs this share of a period
    double smoothing = 0.4;                 // weight of the newest phase in the rate estimates
};

// Bytes sent and received so far (interface counters; they only grow, a reset restarts them).
struct ByteCounters {
    std::uint64_t tx = 0;
    std::uint64_t rx = 0;
};

// This host's counters, as the weather service measures the machine: the interfaces that hold a
// default route (every interface but loopback on a host without one) of the calling process's
// network namespace, summed; nullopt when none can be read. What to feed step() with.
MCAST_API std::optional<ByteCounters> read_host_counters();

class MCAST_API DutyCycle {
public:
    explicit DutyCycle(DutyCycleConfig cfg, MonoTime now);

    // The rate to keep the host under, in bits per second, in the busier direction; nullopt
    // lifts the limit (the job runs all the time). Takes effect from the next period.
    void set_target(std::optional<std::uint64_t> bps);
    std::optional<std::uint64_t> target() const { return target_; }

    // A reading of the counters at `now` (nullopt: none could be read; the time until the next
    // reading is left out of the figures), then the phase switched when due. Returns whether
    // the job should run now. Call it at next_wakeup() at the latest; more often is fine.
    bool step(std::optional<ByteCounters> counters, MonoTime now);

    bool running() const { return running_; }
    MonoTime next_wakeup() const { return phase_end_; }
    // The share of the period the job runs, 0..1.
    double duty() const { return duty_; }
    // Smoothed rates measured while the job ran and while it was stopped (bits per second).
    std::optional<double> running_bps() const { return on_bps_; }
    std::optional<double> stopped_bps() const { return off_bps_; }

private:
    void end_phase(MonoTime now);
    void begin_phase(MonoTime now);
    double next_duty() const;

    DutyCycleConfig cfg_;
    std::optional<std::uint64_t> target_;
    bool running_ = true;
    double duty_ = 1.0;
    MonoTime phase_start_, phase_end_;
    // Bytes and time measured within the current phase (the busier direction is chosen at its
    // end), from the last reading.
    std::optional<ByteCounters> last_;
    MonoTime last_at_;
    std::uint64_t phase_tx_ = 0, phase_rx_ = 0;
    std::chrono::nanoseconds phase_measured_{0};
    std::optional<double> on_bps_, off_bps_;
};

} // namespace mcast
