// When a node sends its weather report (docs/weather.md "Reports"): after a short random delay at
// start, then every interval (5 s: one datagram per node per 5 s in steady state), and soon after
// a declaration starts or ends: `debounce` after the first change, so that a burst of changes
// (a program declaring three activities at once) goes out as one report, and never two reports
// within `min_gap`. Sans-IO, like AnnounceSchedule: times are passed in, randomness injected.
//
//   ReportSchedule s({}, now, random01);
//   timer.expires_at(s.next_wakeup());
//   on timer: if (s.due(now)) { send(); s.sent(now); }
//   on a declaration: s.changed(now); timer.expires_at(s.next_wakeup());
#pragma once

#include <mcast/mono_time.hpp>

#include <chrono>
#include <functional>

namespace mcast {

struct ReportScheduleConfig {
    std::chrono::milliseconds interval{5000};
    std::chrono::milliseconds debounce{200};
    std::chrono::milliseconds min_gap{200};
    std::chrono::milliseconds start_delay_max{500};
};

class ReportSchedule {
public:
    // `random01` returns a uniform value in [0, 1): the first report goes out after
    // random01() * start_delay_max, so that nodes started together do not report together.
    ReportSchedule(ReportScheduleConfig cfg, MonoTime now, std::function<double()> random01);

    // When the next report is due.
    MonoTime next_wakeup() const { return next_; }
    bool due(MonoTime now) const { return now >= next_; }
    // A report went out at `now`: the next one is an interval later.
    void sent(MonoTime now);
    // What the report says changed at `now` (a declaration started or ended): report
    // `debounce` after the first change not yet reported, and no sooner than min_gap after the
    // last report. Later changes before then ride along.
    void changed(MonoTime now);
    // True between a change and the report that carries it.
    bool change_pending() const { return pending_; }
    std::uint64_t sent_count() const { return sent_; }
    const ReportScheduleConfig& config() const { return cfg_; }

private:
    ReportScheduleConfig cfg_;
    MonoTime next_;
    MonoTime last_sent_{};
    bool any_sent_ = false;
    bool pending_ = false;
    std::uint64_t sent_ = 0;
};

} // namespace mcast
