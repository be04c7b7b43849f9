// The verdict of a ping run, sans-IO: each responder's counters judged against the bounds a
// script set (--max-loss, --max-rtt), and the run against --expect. `mcast ping` prints these
// typed results; it decides nothing itself.
//   PingBounds b{.max_loss_percent = 5};
//   auto v = judge_responder("4f13…", stats.summary().at("4f13…"), b);
//   v.failure == PingFailure::loss && v.failed_path.family == 4 && v.figure == 20.0
#pragma once

#include <mcast/export.hpp>
#include <mcast/ping.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mcast {

struct PingBounds {
    std::optional<double> max_loss_percent = {}; // a path losing more fails its responder
    std::optional<double> max_rtt_ms = {};       // a path whose average round trip is longer fails
    std::size_t expect = 0;                      // at least this many responders answer; 0: any
};

enum class PingFailure {
    none,
    loss,     // failed_path lost figure percent, over the bound
    rtt,      // failed_path averaged figure ms, over the bound
    no_reply, // not one reply on any path
};

struct MCAST_API ResponderVerdict {
    std::string id; // full id, or a --peer prefix that nobody answering matched
    std::map<PingPath, PathStats> paths;
    PingFailure failure = PingFailure::none;
    PingPath failed_path;
    double figure = 0; // the loss percent or average round trip (ms) of failed_path
    bool ok() const { return failure == PingFailure::none; }
    bool answered() const; // a reply on some path
};

// The worst path decides: the highest loss over the bound, else (when no path loses too much)
// the slowest average over the bound; a responder with no reply at all fails as no_reply.
MCAST_API ResponderVerdict judge_responder(std::string id, std::map<PingPath, PathStats> paths,
                                           const PingBounds& bounds);

// Drops from paths the families a responder does not announce and never answered on (it runs
// -4 or -6): a node is charged only with the probes of families it has. announced empty:
// nothing known, nothing dropped.
MCAST_API void drop_unannounced_families(std::map<PingPath, PathStats>& paths,
                                         const std::vector<int>& announced);

// A --peer that no responder matched: silent on every multicast path, with every probe sent.
MCAST_API ResponderVerdict silent_peer(std::string prefix, const std::set<PingPath>& paths,
                                       std::uint64_t probes_sent);

struct PingRunVerdict {
    enum class Why {
        none,          // every responder within bounds, and enough of them
        too_few,       // fewer than bounds.expect answered
        nobody,        // no responder at all
        out_of_bounds, // a responder was silent or out of bounds
    };
    bool ok = false;
    std::size_t responders = 0; // judged
    std::size_t answered = 0;   // with a reply on some path
    std::size_t expected = 0;   // bounds.expect
    Why why = Why::none;
};

MCAST_API PingRunVerdict judge_run(const std::vector<ResponderVerdict>& responders,
                                   const PingBounds& bounds);

} // namespace mcast
