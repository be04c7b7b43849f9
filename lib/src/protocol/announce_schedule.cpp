// Announcement and query timing; see announce_schedule.hpp.
#include <mcast/announce_schedule.hpp>

#include <algorithm>

namespace mcast {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

AnnounceSchedule::AnnounceSchedule(AnnounceConfig cfg, MonoTime now,
                                   std::function<double()> random01)
    : cfg_(cfg) {
    auto delay = std::chrono::duration<double, std::milli>(
        static_cast<double>(cfg.start_delay_max.count()) * random01());
    next_ = now + duration_cast<std::chrono::nanoseconds>(delay);
}

void AnnounceSchedule::sent(MonoTime now) {
    ++sent_;
    ++in_burst_;
    if (in_burst_ < cfg_.burst) {
        auto gap = cfg_.first_gap * (1 << (in_burst_ - 1));
        next_ = now + std::min<milliseconds>(gap, cfg_.interval);
    } else {
        next_ = now + cfg_.interval;
    }
}

void AnnounceSchedule::changed(MonoTime now) {
    in_burst_ = 0;
    next_ = now;
}

QueryPlan::QueryPlan(QueryConfig cfg, MonoTime start)
    : cfg_(cfg), start_(start), deadline_(start + cfg.timeout), gap_(cfg.first_gap) {}

MonoTime QueryPlan::next_query() const {
    if (queries_ == 0) return start_;
    if (cfg_.expect == 0 && !cfg_.watch && queries_ > cfg_.repeats_without_expect)
        return MonoTime::max();
    if (cfg_.expect && found_ >= cfg_.expect && !cfg_.watch) return MonoTime::max();
    auto t = last_query_ + gap_;
    return t < deadline_ ? t : MonoTime::max();
}

void QueryPlan::query_sent(MonoTime now) {
    if (queries_ > 0) gap_ = std::min(gap_ * 2, cfg_.max_gap);
    ++queries_;
    last_query_ = now;
}

void QueryPlan::found(MonoTime now, std::size_t total) {
    found_ = total;
    last_news_ = now;
}

bool QueryPlan::done(MonoTime now) const {
    if (now >= deadline_) return true;
    if (cfg_.watch) return false;
    if (cfg_.expect) return found_ >= cfg_.expect;
    // Without --expect: over once every planned query went out and nothing new came for a
    // quiet period after the last query and the last news.
    if (next_query() != MonoTime::max()) return false;
    auto quiet_since = std::max(last_query_, last_news_);
    return now >= quiet_since + cfg_.quiet;
}

MonoTime QueryPlan::wake_at() const {
    MonoTime t = std::min(next_query(), deadline_);
    if (!cfg_.watch && !cfg_.expect && next_query() == MonoTime::max())
        t = std::min(t, std::max(last_query_, last_news_) + cfg_.quiet);
    return t;
}

} // namespace mcast
