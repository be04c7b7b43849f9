// Speed test payloads and counters; see speed.hpp.
#include "protocol/tuple_fields.hpp"

#include <mcast/speed.hpp>

#include <cmath>
#include <cstring>
#include <limits>

namespace mcast {

namespace {

std::int64_t saturating_sub(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (!__builtin_sub_overflow(a, b, &r)) return r;
    return b < 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
}

constexpr std::int64_t options_drops = 1; // speed end `options` bit 0

bool all_ints(const Tuple& t, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
        if (!t[i].is<std::int64_t>() || t[i].as<std::int64_t>() < 0) return false;
    return true;
}

} // namespace

Tuple encode_speed_data(const SpeedData& d) {
    Tuple t;
    t.emplace_back(detail::bytes_value(d.test));
    t.emplace_back(d.seq);
    t.emplace_back(Bytes{ByteBuffer(d.pad)});
    return t;
}

std::optional<SpeedData> decode_speed_data(const Tuple& t) {
    SpeedData d;
    if (t.size() != 3 || !detail::fixed_bytes(t[0], d.test) || !all_ints(t, 1, 2) ||
        !t[2].is<Bytes>())
        return std::nullopt;
    d.seq = t[1].as<std::int64_t>();
    if (d.seq < 1) return std::nullopt; // protocol.md section 10: seq counts from 1
    d.pad = t[2].as<Bytes>().data.size();
    return d;
}

Tuple encode_speed_end(const SpeedEnd& e) {
    Tuple t;
    t.emplace_back(detail::bytes_value(e.test));
    t.emplace_back(e.sent);
    if (e.wants_drops) t.emplace_back(std::int64_t{options_drops});
    return t;
}

std::optional<SpeedEnd> decode_speed_end(const Tuple& t) {
    SpeedEnd e;
    // Two fields, or three with `options` (protocol.md section 10; unknown bits are ignored).
    if ((t.size() != 2 && t.size() != 3) || !detail::fixed_bytes(t[0], e.test) ||
        !all_ints(t, 1, t.size()))
        return std::nullopt;
    e.sent = t[1].as<std::int64_t>();
    e.wants_drops = t.size() == 3 && (t[2].as<std::int64_t>() & options_drops);
    return e;
}

Tuple encode_speed_report(const SpeedReport& r) {
    Tuple t;
    t.emplace_back(detail::bytes_value(r.test));
    for (auto v :
         {r.received, r.highest, r.reordered, r.bytes, r.jitter_ns, r.first_rx_ns, r.last_rx_ns})
        t.emplace_back(v);
    t.emplace_back(r.name);
    if (r.kernel_drops || r.backlog_drops) {
        t.emplace_back(r.kernel_drops.value_or(0));
        t.emplace_back(r.backlog_drops.value_or(0));
    }
    return t;
}

std::optional<SpeedReport> decode_speed_report(const Tuple& t) {
    SpeedReport r;
    // Nine fields, or eleven with kernel_drops and backlog_drops.
    if ((t.size() != 9 && t.size() != 11) || !detail::fixed_bytes(t[0], r.test) ||
        !all_ints(t, 1, 8) || !t[8].is<std::string>())
        return std::nullopt;
    if (t.size() == 11) {
        if (!all_ints(t, 9, 11)) return std::nullopt;
        r.kernel_drops = t[9].as<std::int64_t>();
        r.backlog_drops = t[10].as<std::int64_t>();
    }
    r.received = t[1].as<std::int64_t>();
    r.highest = t[2].as<std::int64_t>();
    r.reordered = t[3].as<std::int64_t>();
    r.bytes = t[4].as<std::int64_t>();
    r.jitter_ns = t[5].as<std::int64_t>();
    r.first_rx_ns = t[6].as<std::int64_t>();
    r.last_rx_ns = t[7].as<std::int64_t>();
    r.name = t[8].as<std::string>();
    return r;
}

void SpeedCounter::add(std::int64_t seq, std::int64_t sent_ns, std::int64_t rx_ns,
                       std::size_t bytes) {
    auto& r = report_;
    if (r.received == 0) r.first_rx_ns = rx_ns;
    r.last_rx_ns = rx_ns;
    ++r.received;
    r.bytes += static_cast<std::int64_t>(bytes);
    if (seq < r.highest)
        ++r.reordered;
    else
        r.highest = seq;
    // RFC 3550 section 6.4.1: J += (|D| - J) / 16, D the change in transit time. The sent time
    // is the sender's claim (any int64): differences saturate instead of overflowing.
    std::int64_t transit = saturating_sub(rx_ns, sent_ns);
    if (last_transit_) {
        double d = std::abs(static_cast<double>(saturating_sub(transit, *last_transit_)));
        jitter_ += (d - jitter_) / 16.0;
        r.jitter_ns = jitter_ < 9.2e18 ? static_cast<std::int64_t>(jitter_)
                                       : std::numeric_limits<std::int64_t>::max();
    }
    last_transit_ = transit;
}

} // namespace mcast
