// The verdict of a ping run, sans-IO: each responder's counters judged against the bounds a
// script set (--max-loss, --max-rtt) and against silence (a path that never answers fails by
// default), and the run against --expect and against probes this host could not send. `mcast
// ping` prints these typed results; it decides nothing itself.
//   PingBounds b{.max_loss_percent = 5};
//   auto v = judge_responder("4f13…", stats.summary().at("4f13…"), b);
//   v.failure == PingFailure::loss && v.failed_path.family == 4 && v.figure == 20.0
//   v.failures: every failing path, the worst first
#pragma once

#include <mcast/export.hpp>
#include <mcast/ping.hpp>

#include <cstddef>
#include <cstdint>
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
    silent,   // failed_path was probed and never answered, while another path did (figure 100)
};

// One failing path of a responder.
struct PathFailure {
    PingPath path;
    PingFailure failure = PingFailure::none;
    double figure = 0; // loss percent (silent, loss) or average round trip in ms (rtt)
    friend bool operator==(const PathFailure&, const PathFailure&) = default;
};

struct MCAST_API ResponderVerdict {
    std::string id; // full id, or a --peer (prefix or name) that nobody answering matched
    std::map<PingPath, PathStats> paths;
    // Every failing path, the worst first: silent paths, then loss (highest first), then round
    // trips (slowest first). A responder with no reply at all has one, no_reply.
    std::vector<PathFailure> failures;
    PingFailure failure = PingFailure::none; // the worst: failures.front()
    PingPath failed_path;
    double figure = 0; // the loss percent or average round trip (ms) of failed_path
    bool ok() const { return failure == PingFailure::none; }
    bool answered() const; // a reply on some path
};

// A path that was probed (sent > 0) and never answered fails whatever the bounds, when the
// responder answered on another path: one family dead, or multicast dead and unicast fine, is
// a fault (as omping shows a silent host as 100 % loss). Then each path over --max-loss fails,
// and each path within it whose average is over --max-rtt. A responder with no reply at all
// fails as no_reply.
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

// Probes this host could not send on a path out of one interface: the kernel refused them
// (EPERM from a firewall, ENETUNREACH, …). This host's fault, not the network's: no responder
// is charged with a probe that never left, and the run fails with this reason.
struct LocalSendFailure {
    PingPath path;
    std::string interface;
    int error = 0;            // errno of the last refusal
    std::uint64_t probes = 0; // probes refused
    friend bool operator==(const LocalSendFailure&, const LocalSendFailure&) = default;
};

struct PingRunVerdict {
    enum class Why {
        none,          // every responder within bounds, and enough of them
        local_send,    // this host could not send some probes (local_failures)
        too_few,       // fewer than bounds.expect answered
        nobody,        // no responder at all
        out_of_bounds, // a responder was silent or out of bounds
    };
    bool ok = false;
    std::size_t responders = 0; // judged
    std::size_t answered = 0;   // with a reply on some path
    std::size_t ok_count = 0;   // judged and within bounds
    std::size_t expected = 0;   // bounds.expect
    std::vector<LocalSendFailure> local_failures;
    Why why = Why::none;
};

// A local send failure outranks the rest (whatever responders said, this host did not probe
// them all), then too few, then nobody, then a responder out of bounds.
MCAST_API PingRunVerdict judge_run(const std::vector<ResponderVerdict>& responders,
                                   const PingBounds& bounds,
                                   std::vector<LocalSendFailure> local_failures = {});

} // namespace mcast
