// PingResponder and Pinger; see pinger.hpp.
#include "protocol/send_budget.hpp"
#include "service_driver.hpp"
#include "wall_clock.hpp"

#include <mcast/pinger.hpp>
#include <mcast/tuple_codec.hpp>

#include <openssl/rand.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace mcast {

// What one node's replies may cost the LAN: a multicast probe makes every responder sign a
// reply that every process on the LAN verifies. An honest prober at the interval floor sends
// at most four probes a round (two families, multicast and unicast): 40 a second.
constexpr detail::SendBudgetConfig reply_budget{
    .per_key_rate = 40, .per_key_burst = 40, .total_rate = 200, .total_burst = 200};

struct PingResponder::Impl {
    Session& session;
    std::string name;
    Subscription sub;
    std::uint64_t replies = 0;
    detail::SendBudget budget{reply_budget}; // per prober key, and for all together

    Impl(Session& s, std::string n) : session(s), name(std::move(n)) {}

    void on_probe(const Message& m) {
        auto p = decode_probe(m.values);
        if (!p || p->family != m.arrival.family) return;
        // A unicast reply only to a probe that really came by unicast: a multicast probe with
        // the flag set would otherwise make every node send to a (spoofable) source.
        if (p->unicast == m.arrival.multicast) return;
        if (!p->targets.empty()) {
            auto mine = id_prefix(session.identity().id());
            if (std::find(p->targets.begin(), p->targets.end(), mine) == p->targets.end()) return;
        }
        if (!budget.allow(m.sender_id.full(), std::chrono::steady_clock::now())) return;
        Reply r{p->run, p->seq, p->family, p->unicast, 0, name};
        // Hold: from the kernel's arrival stamp to now, plus the signing that is about to
        // happen (estimated from recent ones: Ed25519 signing takes nearly constant time).
        auto arrived = m.arrival.rx_wall_ns ? m.arrival.rx_wall_ns : detail::wall_now_ns();
        r.hold_ns =
            std::max<std::int64_t>(0, detail::wall_now_ns() - arrived) + session.seal_floor_ns();
        if (session.reply(m.arrival, "", encode_reply(r), MessageType::ping_reply,
                          p->unicast ? ReplyTo::sender : ReplyTo::group))
            ++replies;
    }
};

PingResponder::PingResponder(Session& session, std::string name)
    : impl_(std::make_unique<Impl>(session, std::move(name))) {
    impl_->sub = session.on_message([i = impl_.get()](const Message& m) { i->on_probe(m); }, {},
                                    MessageType::ping_probe);
}

// The Impl's Subscription handles unregister its handlers.
PingResponder::~PingResponder() = default;

std::uint64_t PingResponder::replies() const {
    return impl_->replies;
}

struct Pinger::Impl {
    Session& session;
    PingConfig cfg;
    Nonce run{};
    PingStats stats{cfg.linger};
    ServiceDriver driver{session.io()};
    Subscription sub;
    std::int64_t seq = 0;
    std::uint64_t probes = 0;
    // Ended: after the last probe's linger (done), or stopped before; rounds that were still in
    // flight at a stop before the end, which do not count.
    bool done = false, stopped = false;
    std::uint64_t rounds_in_flight = 0;
    std::size_t pad = 0;
    // When each probe left: key "family/unicast/seq/ifindex/responder".
    struct Sent {
        std::int64_t at;
        std::int64_t seq;
    };
    std::map<std::string, Sent> pending;
    std::map<std::string, std::string> names;
    // Where to send unicast probes: responder id -> (family -> (address, ifindex)).
    std::map<std::string, std::map<int, std::pair<std::string, unsigned>>> unicast_targets;
    // Where replies came from, until unicast_target_ok accepts the address (checked before
    // each round: discovery may confirm it after the first replies).
    struct Candidate {
        NodeId id;
        std::map<int, std::pair<std::string, unsigned>> where;
    };
    std::map<std::string, Candidate> candidates;
    std::function<void(const PingReplyEvent&)> reply_handler;
    std::function<void()> done_handler;
    std::function<void(const LocalSendFailure&)> failure_handler;
    std::vector<LocalSendFailure> failures; // one per path and interface
    Impl(Session& s, PingConfig c) : session(s), cfg(c) {
        cfg.interval = std::max<std::chrono::nanoseconds>(cfg.interval, min_ping_interval);
        RAND_bytes(run.data(), static_cast<int>(run.size()));
        if (cfg.size) {
            const std::size_t base = min_probe_size();
            if (cfg.size < base)
                throw std::invalid_argument(
                    fmt::format("ping size {} below a probe's own {} bytes", cfg.size, base));
            if (cfg.size > max_probe_size)
                throw std::invalid_argument(fmt::format(
                    "ping size {} above the largest datagram, {} bytes", cfg.size, max_probe_size));
            pad = cfg.size - base;
        }
    }

    // The kernel refused a probe: counted, and told once per path, interface and errno.
    void refused(const PingPath& path, unsigned ifindex, int error) {
        std::string ifname = std::to_string(ifindex);
        for (const auto& j : session.interfaces())
            if (j.index == ifindex) ifname = j.name;
        auto it = std::find_if(failures.begin(), failures.end(), [&](const LocalSendFailure& f) {
            return f.path == path && f.interface == ifname;
        });
        const bool news = it == failures.end() || it->error != error;
        if (it == failures.end()) it = failures.insert(failures.end(), {path, ifname, error, 0});
        it->error = error;
        ++it->probes;
        if (news && failure_handler) failure_handler(*it);
    }

    // A unicast probe for the current round to one target.
    void probe_unicast(const std::string& who, int family,
                       const std::pair<std::string, unsigned>& where) {
        Probe p{run, seq, family, true, {}, pad};
        SendOptions o;
        o.type = MessageType::ping_probe;
        o.family = family;
        o.ifindex = where.second;
        o.unicast_to = where.first;
        if (auto r = session.send("", encode_probe(p), o)) {
            pending[key(family, true, seq, where.second, who)] = {r.sent_at_ns, seq};
            stats.sent({family, true}, seq, who, std::chrono::steady_clock::now());
        } else if (r.error) {
            refused({family, true}, where.second, r.error);
        }
    }

    // A target accepted: probed by unicast from now on, starting with the current round. False
    // past max_unicast_targets.
    bool add_target(const std::string& who, int family, std::pair<std::string, unsigned> where) {
        auto t = unicast_targets.find(who);
        if (t == unicast_targets.end() && unicast_targets.size() >= max_unicast_targets)
            return false;
        auto& fams = unicast_targets[who];
        const bool fresh = !fams.count(family);
        fams[family] = where;
        // The round in progress sent its multicast probes already: the target's first unicast
        // probe goes now, so that unicast starts in the same round, not an interval later.
        if (fresh && seq > 0 && !lingering) probe_unicast(who, family, where);
        return true;
    }
    bool lingering = false; // the last round is out; only its replies are awaited

    static std::string key(int family, bool unicast, std::int64_t seq, unsigned ifindex,
                           const std::string& who) {
        return fmt::format("{}/{}/{}/{}/{}", family, unicast, seq, ifindex, who);
    }

    void send_round() {
        ++seq;
        // Replies to probes older than this are too late to count: forget their send times.
        auto keep = static_cast<std::int64_t>(cfg.linger /
                                              std::max(cfg.interval, std::chrono::nanoseconds(1)));
        for (auto it = pending.begin(); it != pending.end();)
            it = it->second.seq < seq - 1 - keep ? pending.erase(it) : std::next(it);
        for (int family : {4, 6}) {
            bool sent = false; // once per path and seq, however many interfaces carried it
            for (const auto& j : session.interfaces()) {
                if ((family == 4 && !j.ipv4) || (family == 6 && !j.ipv6)) continue;
                Probe p{run, seq, family, false, {}, pad};
                SendOptions o;
                o.type = MessageType::ping_probe;
                o.family = family;
                o.ifindex = j.index;
                if (auto r = session.send("", encode_probe(p), o)) {
                    pending[key(family, false, seq, j.index, {})] = {r.sent_at_ns, seq};
                    sent = true;
                } else if (r.error) {
                    refused({family, false}, j.index, r.error);
                }
            }
            if (sent) stats.sent({family, false}, seq, {}, std::chrono::steady_clock::now());
        }
        if (cfg.unicast_too) {
            for (auto c = candidates.begin(); c != candidates.end();) {
                for (auto w = c->second.where.begin(); w != c->second.where.end();) {
                    bool ok = !cfg.unicast_target_ok ||
                              cfg.unicast_target_ok(c->second.id, w->second.first);
                    if (ok && (unicast_targets.count(c->first) ||
                               unicast_targets.size() < max_unicast_targets)) {
                        unicast_targets[c->first][w->first] = w->second;
                        w = c->second.where.erase(w);
                    } else {
                        ++w;
                    }
                }
                c = c->second.where.empty() ? candidates.erase(c) : std::next(c);
            }
            for (const auto& [who, fams] : unicast_targets)
                for (const auto& [family, where] : fams)
                    probe_unicast(who, family, where);
        }
        ++probes;
    }

    void on_reply(const Message& m) {
        auto r = decode_reply(m.values);
        // Not ours (another run, or a replay of an old one), or not the family it came over.
        if (!r || r->run != run || r->family != m.arrival.family) return;
        auto who = m.sender_id.full();
        auto it = pending.find(key(r->family, r->unicast, r->seq, m.arrival.ifindex,
                                   r->unicast ? who : std::string()));
        if (it == pending.end()) return;
        auto rx = m.arrival.rx_wall_ns ? m.arrival.rx_wall_ns : detail::wall_now_ns();
        double rtt = round_trip_ms(it->second.at, rx, r->hold_ns);
        names[who] = r->name;
        auto target = unicast_targets.find(who);
        bool have = target != unicast_targets.end() && target->second.count(r->family);
        if (!r->unicast && cfg.unicast_too && !have &&
            (candidates.count(who) || candidates.size() < max_unicast_targets)) {
            std::pair<std::string, unsigned> where{m.arrival.source, m.arrival.ifindex};
            // Confirmed already (discovery has its announcement): probed by unicast at once.
            if (!(cfg.unicast_target_ok && !cfg.unicast_target_ok(m.sender_id, where.first)) &&
                add_target(who, r->family, where)) {
                candidates.erase(who);
            } else {
                auto& c = candidates.try_emplace(who, Candidate{m.sender_id, {}}).first->second;
                c.where[r->family] = where;
            }
        }
        PingPath path{r->family, r->unicast};
        auto v = stats.reply(who, path, r->seq, rtt);
        if (reply_handler)
            reply_handler(PingReplyEvent{m.sender_id, r->name, m.arrival, path, r->seq, rtt,
                                         static_cast<double>(r->hold_ns) / 1e6, v.duplicate,
                                         v.reordered});
    }

    // The driver's wake-up: the next round of probes, or the end once the last one lingered.
    MonoTime wake(MonoTime now) {
        if (cfg.count == 0 || probes < cfg.count) {
            send_round();
            if (probes < cfg.count || cfg.count == 0) return now + cfg.interval;
            lingering = true; // the last round's probes are out: a late target waits for none
            return now + cfg.linger;
        }
        driver.stop();
        done = true;
        if (done_handler) done_handler();
        return MonoTime::max();
    }
};

Pinger::Pinger(Session& session, PingConfig cfg) : impl_(std::make_unique<Impl>(session, cfg)) {}

Pinger::~Pinger() = default; // the Impl's Subscription handles unregister its handlers

void Pinger::on_reply(std::function<void(const PingReplyEvent&)> h) {
    impl_->reply_handler = std::move(h);
}
void Pinger::on_done(std::function<void()> h) {
    impl_->done_handler = std::move(h);
}

void Pinger::on_send_failure(std::function<void(const LocalSendFailure&)> h) {
    impl_->failure_handler = std::move(h);
}

void Pinger::add_unicast_target(const NodeId& responder, int family, const std::string& address,
                                unsigned ifindex) {
    auto& i = *impl_;
    if (!i.cfg.unicast_too || (family != 4 && family != 6) || ifindex == 0) return;
    i.add_target(responder.full(), family, {address, ifindex});
}

std::size_t min_probe_size() {
    Probe p{{}, 1, 4, false, {}, 0};
    return min_datagram_size + encoded_size(encode_probe(p));
}

void Pinger::start() {
    auto& i = *impl_;
    i.sub = i.session.on_message(i.driver.guard([&i](const Message& m) { i.on_reply(m); }), {},
                                 MessageType::ping_reply);
    i.driver.start([&i](MonoTime now) { return i.wake(now); });
}

void Pinger::stop() {
    auto& i = *impl_;
    i.driver.stop();
    // Stopped before the end (Ctrl-C): the probes still within their timeout are in flight,
    // not lost.
    if (!i.done && !i.stopped) i.rounds_in_flight = i.stats.stop(std::chrono::steady_clock::now());
    i.stopped = true;
}

PingStats& Pinger::stats() {
    return impl_->stats;
}
const std::map<std::string, std::string>& Pinger::names() const {
    return impl_->names;
}
std::uint64_t Pinger::probes_sent() const {
    return impl_->probes - std::min(impl_->probes, impl_->rounds_in_flight);
}
const std::vector<LocalSendFailure>& Pinger::send_failures() const {
    return impl_->failures;
}

} // namespace mcast
