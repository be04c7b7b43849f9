// Ping messages and statistics (docs/protocol.md section 10), sans-IO: the probe and reply
// tuples, and the per-responder, per-path counters (sent, received, duplicates, reordering,
// round-trip min/avg/max/mdev) that `mcast ping` summarises.
#pragma once

#include <mcast/export.hpp>
#include <mcast/message_type.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/presence.hpp>
#include <mcast/value.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mcast {

// One probe. A run of `mcast ping` has one run id; each probe has a sequence number per path
// (family, multicast or unicast).
struct Probe {
    Nonce run{};
    std::int64_t seq = 0;
    int family = 4;
    bool unicast = false;
    std::vector<IdPrefix> targets; // empty: every responder answers
    std::size_t pad = 0;           // bytes of padding (for --size)
};

struct Reply {
    Nonce run{};
    std::int64_t seq = 0;
    int family = 4;
    bool unicast = false;
    std::int64_t hold_ns = 0; // probe arrival to reply send, at the responder
    std::string name;
};

// The round trip in ms: received - sent - the responder's hold time, 0 when that comes out
// negative (a stepped clock); computed without overflow, whatever the three values are.
MCAST_API double round_trip_ms(std::int64_t sent_ns, std::int64_t received_ns,
                               std::int64_t hold_ns);

MCAST_API Tuple encode_probe(const Probe& p);
MCAST_API std::optional<Probe> decode_probe(const Tuple& t);
MCAST_API Tuple encode_reply(const Reply& r);
MCAST_API std::optional<Reply> decode_reply(const Tuple& t);

// A measurement path: family and whether the probe went by multicast or unicast.
struct PingPath {
    int family = 4;
    bool unicast = false;
    friend auto operator<=>(const PingPath&, const PingPath&) = default;
};

// Counters for one responder on one path.
struct MCAST_API PathStats {
    std::uint64_t sent = 0;       // probes sent on this path while the responder was known
    std::uint64_t received = 0;   // distinct replies
    std::uint64_t duplicates = 0; // replies to a seq already answered
    std::uint64_t reordered = 0;  // replies to a seq lower than one already answered
    double min_ms = 0, max_ms = 0, mean_ms = 0, m2 = 0; // Welford running mean and variance

    double loss_percent() const;
    double mdev_ms() const; // standard deviation, as ping's mdev
};

// Tracks sent probes and the replies of every responder.
class MCAST_API PingStats {
public:
    // `timeout`: how long a probe's replies are awaited (PingConfig::linger, ping --timeout).
    explicit PingStats(std::chrono::nanoseconds timeout = std::chrono::seconds(1))
        : timeout_(timeout) {}

    // A probe went out on `path` with `seq`: by multicast to everyone, or (`to` given) by
    // unicast to one responder; `at` when it left, for stop().
    void sent(const PingPath& path, std::int64_t seq, const std::string& to = {},
              std::optional<MonoTime> at = std::nullopt);
    // The run was stopped at `now` before its end (Ctrl-C). A probe sent (with its time) less
    // than the timeout before is still in flight: for each responder that has not answered it
    // yet, it is neither sent nor lost, as ping and omping count only answered or timed-out
    // probes. Answers that arrived count as before. Returns how many multicast probes of the
    // busiest path were in flight (rounds that do not count).
    std::uint64_t stop(MonoTime now);
    struct Verdict {
        bool duplicate = false;
        bool reordered = false;
    };
    // A reply from `responder` (full id) on `path` for `seq` with round trip `rtt_ms`.
    Verdict reply(const std::string& responder, const PingPath& path, std::int64_t seq,
                  double rtt_ms);
    // Makes `responder` known with zero replies (expected, or seen in discovery).
    void expect(const std::string& responder);

    // Per responder, per path; a responder known but silent gets every path with received 0.
    std::map<std::string, std::map<PingPath, PathStats>> summary() const;
    std::set<PingPath> paths() const;

private:
    struct Track {
        PathStats stats;
        std::set<std::int64_t> answered;
        std::int64_t highest = -1;
    };
    // Probes sent within the timeout (seq, when), oldest first; then, after stop(), the seqs
    // still in flight.
    using Recent = std::deque<std::pair<std::int64_t, MonoTime>>;
    void keep_recent(Recent& r, std::int64_t seq, MonoTime at) const;
    std::uint64_t in_flight(const std::set<std::int64_t>& seqs, const std::string& responder,
                            const PingPath& path) const;

    std::chrono::nanoseconds timeout_;
    std::map<PingPath, std::uint64_t> sent_;
    std::map<std::string, std::map<PingPath, std::uint64_t>> unicast_sent_;
    std::map<PingPath, Recent> recent_;
    std::map<std::string, std::map<PingPath, Recent>> unicast_recent_;
    std::map<PingPath, std::set<std::int64_t>> in_flight_;
    std::map<std::string, std::map<PingPath, std::set<std::int64_t>>> unicast_in_flight_;
    std::map<std::string, std::map<PingPath, Track>> tracks_;
    std::set<std::string> expected_;
};

} // namespace mcast
