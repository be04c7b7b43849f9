// Ping payloads and statistics; see ping.hpp.
#include "protocol/tuple_fields.hpp"

#include <mcast/ping.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mcast {

namespace {

constexpr std::size_t max_targets = 4096;

bool family_ok(const Value& v) {
    return v.is<std::int64_t>() && (v.as<std::int64_t>() == 4 || v.as<std::int64_t>() == 6);
}

} // namespace

double round_trip_ms(std::int64_t sent_ns, std::int64_t received_ns, std::int64_t hold_ns) {
    // Without overflow: the hold time is the responder's claim and the wall clock may have been
    // stepped between send and receive, so any of the three can be anything.
    std::int64_t flight = 0, net = 0;
    if (__builtin_sub_overflow(received_ns, sent_ns, &flight)) return sent_ns > 0 ? 0.0 : 9.2e12;
    if (__builtin_sub_overflow(flight, hold_ns, &net)) return hold_ns > 0 ? 0.0 : 9.2e12;
    return net > 0 ? static_cast<double>(net) / 1e6 : 0.0;
}

Tuple encode_probe(const Probe& p) {
    List targets;
    for (const auto& t : p.targets)
        targets.emplace_back(Bytes{ByteBuffer(t.begin(), t.end())});
    Tuple out;
    out.emplace_back(detail::bytes_value(p.run));
    out.emplace_back(p.seq);
    out.emplace_back(std::int64_t{p.family});
    out.emplace_back(p.unicast);
    out.emplace_back(std::move(targets));
    out.emplace_back(Bytes{ByteBuffer(p.pad)});
    return out;
}

std::optional<Probe> decode_probe(const Tuple& t) {
    Probe p;
    if (t.size() != 6 || !detail::fixed_bytes(t[0], p.run) || !t[1].is<std::int64_t>() ||
        !family_ok(t[2]) || !t[3].is<bool>() || !t[4].is<List>() || !t[5].is<Bytes>())
        return std::nullopt;
    p.seq = t[1].as<std::int64_t>();
    p.family = static_cast<int>(t[2].as<std::int64_t>());
    p.unicast = t[3].as<bool>();
    const auto& targets = t[4].as<List>();
    if (targets.size() > max_targets) return std::nullopt;
    for (const auto& v : targets) {
        IdPrefix id{};
        if (!detail::fixed_bytes(v, id)) return std::nullopt;
        p.targets.push_back(id);
    }
    p.pad = t[5].as<Bytes>().data.size();
    return p;
}

Tuple encode_reply(const Reply& r) {
    Tuple out;
    out.emplace_back(detail::bytes_value(r.run));
    out.emplace_back(r.seq);
    out.emplace_back(std::int64_t{r.family});
    out.emplace_back(r.unicast);
    out.emplace_back(r.hold_ns);
    out.emplace_back(r.name);
    return out;
}

std::optional<Reply> decode_reply(const Tuple& t) {
    Reply r;
    if (t.size() != 6 || !detail::fixed_bytes(t[0], r.run) || !t[1].is<std::int64_t>() ||
        !family_ok(t[2]) || !t[3].is<bool>() || !t[4].is<std::int64_t>() || !t[5].is<std::string>())
        return std::nullopt;
    r.seq = t[1].as<std::int64_t>();
    r.family = static_cast<int>(t[2].as<std::int64_t>());
    r.unicast = t[3].as<bool>();
    r.hold_ns = t[4].as<std::int64_t>();
    if (r.hold_ns < 0) return std::nullopt;
    r.name = t[5].as<std::string>();
    return r;
}

double PathStats::loss_percent() const {
    if (sent == 0) return 0.0;
    auto got = std::min(received, sent);
    return 100.0 * static_cast<double>(sent - got) / static_cast<double>(sent);
}

double PathStats::mdev_ms() const {
    return received > 1 ? std::sqrt(m2 / static_cast<double>(received)) : 0.0;
}

void PingStats::sent(const PingPath& path, std::int64_t seq, const std::string& to,
                     std::optional<MonoTime> at) {
    if (to.empty()) {
        ++sent_[path];
        if (at) keep_recent(recent_[path], seq, *at);
    } else {
        ++unicast_sent_[to][path];
        if (at) keep_recent(unicast_recent_[to][path], seq, *at);
    }
}

// Only the probes within the timeout of the newest can still be in flight at a stop: the list
// stays as short as the timeout is long.
void PingStats::keep_recent(Recent& r, std::int64_t seq, MonoTime at) const {
    r.emplace_back(seq, at);
    while (!r.empty() && at - r.front().second >= timeout_)
        r.pop_front();
}

std::uint64_t PingStats::stop(MonoTime now) {
    const auto flying = [&](const Recent& r) {
        std::set<std::int64_t> seqs;
        for (const auto& [seq, at] : r)
            if (now - at < timeout_) seqs.insert(seq);
        return seqs;
    };
    std::uint64_t rounds = 0;
    for (const auto& [path, r] : recent_) {
        auto& f = in_flight_[path];
        f = flying(r);
        rounds = std::max<std::uint64_t>(rounds, f.size());
    }
    for (const auto& [who, paths] : unicast_recent_)
        for (const auto& [path, r] : paths)
            unicast_in_flight_[who][path] = flying(r);
    recent_.clear();
    unicast_recent_.clear();
    return rounds;
}

// Of `seqs` (in flight at the stop), those `responder` has not answered on `path`.
std::uint64_t PingStats::in_flight(const std::set<std::int64_t>& seqs, const std::string& responder,
                                   const PingPath& path) const {
    const std::set<std::int64_t>* answered = nullptr;
    if (auto t = tracks_.find(responder); t != tracks_.end())
        if (auto p = t->second.find(path); p != t->second.end()) answered = &p->second.answered;
    return static_cast<std::uint64_t>(std::count_if(
        seqs.begin(), seqs.end(), [&](auto seq) { return !answered || !answered->count(seq); }));
}

PingStats::Verdict PingStats::reply(const std::string& responder, const PingPath& path,
                                    std::int64_t seq, double rtt_ms) {
    Verdict v;
    auto& tr = tracks_[responder][path];
    if (!tr.answered.insert(seq).second) {
        ++tr.stats.duplicates;
        v.duplicate = true;
        return v;
    }
    if (seq < tr.highest) {
        ++tr.stats.reordered;
        v.reordered = true;
    }
    tr.highest = std::max(tr.highest, seq);
    auto& s = tr.stats;
    ++s.received;
    if (s.received == 1) s.min_ms = s.max_ms = rtt_ms;
    s.min_ms = std::min(s.min_ms, rtt_ms);
    s.max_ms = std::max(s.max_ms, rtt_ms);
    double delta = rtt_ms - s.mean_ms;
    s.mean_ms += delta / static_cast<double>(s.received);
    s.m2 += delta * (rtt_ms - s.mean_ms);
    return v;
}

void PingStats::expect(const std::string& responder) {
    expected_.insert(responder);
}

std::set<PingPath> PingStats::paths() const {
    std::set<PingPath> p;
    for (const auto& [path, _] : sent_)
        p.insert(path);
    for (const auto& [_, paths] : unicast_sent_)
        for (const auto& [path, n] : paths)
            p.insert(path);
    return p;
}

std::map<std::string, std::map<PingPath, PathStats>> PingStats::summary() const {
    std::map<std::string, std::map<PingPath, PathStats>> out;
    auto fill = [&](const std::string& who) {
        auto& paths = out[who];
        auto add = [&](const PingPath& path, std::uint64_t n, const std::set<std::int64_t>* f) {
            PathStats s;
            if (auto t = tracks_.find(who); t != tracks_.end())
                if (auto p = t->second.find(path); p != t->second.end()) s = p->second.stats;
            s.sent = n - (f ? std::min(n, in_flight(*f, who, path)) : 0);
            paths[path] = s;
        };
        for (const auto& [path, n] : sent_) {
            auto f = in_flight_.find(path);
            add(path, n, f == in_flight_.end() ? nullptr : &f->second);
        }
        if (auto u = unicast_sent_.find(who); u != unicast_sent_.end()) {
            const auto* fl = unicast_in_flight_.count(who) ? &unicast_in_flight_.at(who) : nullptr;
            for (const auto& [path, n] : u->second) {
                const std::set<std::int64_t>* f = nullptr;
                if (fl)
                    if (auto it = fl->find(path); it != fl->end()) f = &it->second;
                add(path, n, f);
            }
        }
    };
    for (const auto& [who, _] : tracks_)
        fill(who);
    for (const auto& who : expected_)
        fill(who);
    return out;
}

} // namespace mcast
