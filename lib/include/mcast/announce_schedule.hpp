// When a node announces itself, modelled on mDNS (RFC 6762 section 8.3): after a short random
// delay, a burst of announcements with doubling gaps, then one per interval, and a new burst
// whenever what it announces changes. Sans-IO: times are passed in, randomness injected.
#pragma once

#include <mcast/export.hpp>
#include <mcast/mono_time.hpp>

#include <chrono>
#include <functional>

namespace mcast {

struct AnnounceConfig {
    std::chrono::milliseconds start_delay_max{50}; // random delay before the first
    std::chrono::milliseconds first_gap{1000};     // gap after the first; doubles each time
    int burst = 3;                                 // announcements before the steady interval
    std::chrono::milliseconds interval{30000};     // steady-state period
};

class MCAST_API AnnounceSchedule {
public:
    // `random01` returns a uniform value in [0, 1): the start delay is random01() * max.
    AnnounceSchedule(AnnounceConfig cfg, MonoTime now, std::function<double()> random01);

    MonoTime next() const { return next_; }
    // An announcement went out at `now`: schedule the following one.
    void sent(MonoTime now);
    // What the node announces changed: announce at once and start a new burst.
    void changed(MonoTime now);
    int sent_count() const { return sent_; }

private:
    AnnounceConfig cfg_;
    MonoTime next_;
    int in_burst_ = 0;
    int sent_ = 0;
};

// When a querier sends its queries and when it stops (docs/protocol.md section 4.1): a query at
// once, repeats with growing gaps while the deadline allows, and an early end once `expect`
// nodes are known or, without `expect`, once nothing new arrived for `quiet` after the last
// query.
struct QueryConfig {
    std::chrono::milliseconds timeout{3000};
    std::size_t expect = 0; // 0: not given
    std::chrono::milliseconds quiet{150};
    std::chrono::milliseconds first_gap{80}; // gap before the first repeat; then doubling
    std::chrono::milliseconds max_gap{1000};
    int repeats_without_expect = 2; // without --expect: queries after the first
    bool watch = false;             // keep running until the deadline
};

class MCAST_API QueryPlan {
public:
    QueryPlan(QueryConfig cfg, MonoTime start);

    // When the next query is due; MonoTime::max() when no more are planned.
    MonoTime next_query() const;
    void query_sent(MonoTime now);
    // A node seen for the first time.
    void found(MonoTime now, std::size_t total);
    // Whether the run is over at `now`, and when to look again if not.
    bool done(MonoTime now) const;
    MonoTime wake_at() const;

private:
    QueryConfig cfg_;
    MonoTime start_, deadline_, last_query_{}, last_news_{};
    std::chrono::milliseconds gap_;
    int queries_ = 0;
    std::size_t found_ = 0;
};

} // namespace mcast
