// Weather report timing; see report_schedule.hpp.
#include "protocol/report_schedule.hpp"

#include <algorithm>

namespace mcast {

ReportSchedule::ReportSchedule(ReportScheduleConfig cfg, MonoTime now,
                               std::function<double()> random01)
    : cfg_(cfg) {
    const auto delay = std::chrono::duration<double, std::milli>(
        static_cast<double>(cfg.start_delay_max.count()) * (random01 ? random01() : 0.0));
    next_ = now + std::chrono::duration_cast<std::chrono::nanoseconds>(delay);
}

void ReportSchedule::sent(MonoTime now) {
    ++sent_;
    any_sent_ = true;
    last_sent_ = now;
    pending_ = false;
    next_ = now + cfg_.interval;
}

void ReportSchedule::changed(MonoTime now) {
    if (pending_) return; // the report already planned will carry this change too
    pending_ = true;
    MonoTime at = now + cfg_.debounce;
    if (any_sent_) at = std::max(at, last_sent_ + cfg_.min_gap);
    next_ = std::min(next_, at);
}

} // namespace mcast
