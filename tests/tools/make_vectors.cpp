// Writes the wire format test vectors (tests/vectors/*.json) from fixed seeds. Valid vectors come
// from the reference encoder; invalid ones are hand-built and, where the point is a payload or
// header defect, properly signed so that only that defect makes them fail.
#include "forge.hpp"
#include "value_json.hpp"

#include "protocol/batcher.hpp"
#include "protocol/receiver.hpp"
#include <mcast/pairing.hpp>
#include <mcast/ping.hpp>
#include <mcast/presence.hpp>
#include <mcast/search.hpp>
#include <mcast/speed.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/weather.hpp>
#include <mcast/wire.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace mcast;
using testtools::resign;
using testtools::with_payload;
namespace json = boost::json;

namespace {

constexpr std::int64_t t0 = 1'780'000'000'123'456'789;

Identity seeded(std::uint8_t fill, std::array<std::uint8_t, 32>& seed) {
    seed.fill(fill);
    return Identity::from_seed(seed);
}

Header header(std::string topic, std::uint64_t seq = 1) {
    Header h;
    h.incarnation = 0x0123456789abcdefULL;
    h.seq = seq;
    h.timestamp_ns = t0;
    h.topic = std::move(topic);
    return h;
}

void write(const std::string& dir, const std::string& name, const std::string& description,
           const std::array<std::uint8_t, 32>& seed, const ByteBuffer& d, json::object expect) {
    json::object o{{"name", name},
                   {"description", description},
                   {"seed", to_hex(seed)},
                   {"datagram", to_hex(d)},
                   {"expect", std::move(expect)}};
    std::ofstream(dir + "/" + name + ".json") << json::serialize(o) << "\n";
}

json::object valid(const Header& h, const Tuple& values, const Identity& id) {
    return {{"type", h.type},
            {"flags", h.flags},
            {"sender_key", to_hex(id.public_key())},
            {"sender_id", id.id().full()},
            {"sender_short_id", id.id().short_form()},
            {"incarnation", cli::hex64(h.incarnation)},
            {"seq", h.seq},
            {"timestamp", h.timestamp_ns},
            {"topic", h.topic},
            {"values", cli::to_json(values)}};
}

json::object reject(DropReason r) {
    return {{"reject", std::string(to_string(r))}};
}

// Stateful rules (section 6.1) as sequences: one receiver, datagrams at given times, the outcome
// of each ("delivered" or a drop reason).
void write_sequences(const std::string& dir, const Identity& id,
                     const std::array<std::uint8_t, 32>& seed) {
    std::filesystem::create_directories(dir);
    std::array<std::uint8_t, 32> rx_seed{};
    auto receiver = seeded(0x52, rx_seed);
    constexpr std::uint64_t rx_incarnation = 0x0102030405060708ULL;
    struct Step {
        std::int64_t at_ms;
        ByteBuffer datagram;
        std::string expect;
    };
    auto make = [&](std::uint64_t incarnation, std::uint64_t seq, std::int64_t ts,
                    const Identity& who) {
        Header h = header("s", seq);
        h.incarnation = incarnation;
        h.timestamp_ns = ts;
        return encode_datagram(h, {std::int64_t(seq)}, who);
    };
    auto write_seq = [&](const std::string& name, const std::string& what, const Identity& rx,
                         std::uint64_t rx_inc, std::vector<Step> steps) {
        // Each outcome is checked here with the reference receiver before it is written.
        Receiver r(rx.public_key(), rx_inc);
        json::array out;
        for (auto& st : steps) {
            auto got = r.ingest(st.datagram, MonoTime{} + std::chrono::milliseconds(st.at_ms));
            std::string outcome = got.dropped ? std::string(to_string(*got.dropped)) : "delivered";
            if (outcome != st.expect) {
                std::cerr << name << ": step at " << st.at_ms << " ms gave " << outcome << ", not "
                          << st.expect << "\n";
                std::exit(1);
            }
            out.push_back(json::object{
                {"at_ms", st.at_ms}, {"datagram", to_hex(st.datagram)}, {"expect", st.expect}});
        }
        json::object o{{"name", name},
                       {"description", what},
                       {"seed", to_hex(seed)},
                       {"receiver_key", to_hex(rx.public_key())},
                       {"receiver_incarnation", cli::hex64(rx_inc)},
                       {"steps", std::move(out)}};
        std::ofstream(dir + "/" + name + ".json") << json::serialize(o) << "\n";
    };
    const std::uint64_t inc = 0x0123456789abcdefULL;
    auto d1 = make(inc, 1, t0, id);
    write_seq(
        "duplicate-then-replay",
        "one datagram four times: a copy within 2 s (inclusive) is a duplicate, later a replay",
        receiver, rx_incarnation,
        {{0, d1, "delivered"},
         {1, d1, "duplicate"},
         {2000, d1, "duplicate"},
         {2001, d1, "replay"}});
    write_seq(
        "own",
        "the receiver's own key and incarnation: own; the same key, another incarnation: delivered",
        id, inc, {{0, d1, "own"}, {1, make(inc + 1, 1, t0, id), "delivered"}});
    write_seq(
        "window",
        "seq 1026 then 2 (1024 below: replay) then 3 (1023 below, unseen: delivered) then 1026 "
        "again (duplicate)",
        receiver, rx_incarnation,
        {{0, make(inc, 1026, t0, id), "delivered"},
         {1, make(inc, 2, t0, id), "replay"},
         {2, make(inc, 3, t0, id), "delivered"},
         {3, make(inc, 1026, t0, id), "duplicate"}});
    write_seq(
        "restart",
        "a new incarnation exactly 5 s older than the newest timestamp: delivered; 1 ns older "
        "still: replay",
        receiver, rx_incarnation,
        {{0, make(inc, 1, t0, id), "delivered"},
         {1, make(inc + 1, 1, t0 - 5'000'000'000, id), "delivered"},
         {2, make(inc + 2, 1, t0 - 5'000'000'001, id), "replay"}});
    auto forged = d1;
    forged.back() ^= 1;
    write_seq("forgery-changes-nothing",
              "a forged copy of seq 1 first (bad_signature), then the real one: delivered",
              receiver, rx_incarnation, {{0, forged, "bad_signature"}, {1, d1, "delivered"}});
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_vectors DIR\n";
        return 2;
    }
    std::string dir = argv[1];
    std::array<std::uint8_t, 32> seed{};
    auto id = seeded(0x42, seed);

    auto emit = [&](const std::string& name, const std::string& what, const Header& h,
                    const Tuple& v) {
        write(dir, name, what, seed, encode_datagram(h, v, id), valid(h, v, id));
    };
    emit("valid-empty", "empty topic, empty tuple: the smallest datagram (133 bytes)", header(""),
         {});
    emit("valid-scalars", "every scalar type", header("sensors/kitchen", 7),
         {nullptr, true, false, std::int64_t{0}, std::int64_t{-1},
          std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(), 21.5,
          -0.0});
    emit("valid-text-bytes", "UTF-8 text with a NUL, empty and non-empty bytes", header("chat", 2),
         {std::string("gr\xc3\xbc\xc3\x9f dich \xf0\x9f\x91\x8b"), std::string("a\0b", 3), Bytes{},
          Bytes{{0x00, 0xff, 0x10}}});
    emit("valid-floats", "non-finite floats", header("f", 3),
         {std::nan(""), HUGE_VAL, -HUGE_VAL, 5e-324});
    {
        Value deep = List{std::int64_t{8}};
        for (int i = 1; i < max_list_depth; ++i)
            deep = List{deep};
        emit("valid-nested", "lists nested to the maximum depth of 8", header("deep", 4),
             {deep, List{}, List{"a", List{nullptr}}});
    }

    {
        auto h = header("flags", 5);
        h.flags = 0x8100; // ignorable bits 15 and 8
        emit("valid-ignorable-flags",
             "ignorable flag bits 8 and 15 set: accepted, reported as received", h, {"x"});
        auto neg = header("", 6);
        neg.timestamp_ns = -1; // 1969-12-31T23:59:59.999999999Z
        emit("valid-negative-timestamp", "timestamp -1 (before 1970): valid like any other", neg,
             {});
    }
    // One vector per message type of sections 9-11, with the tuple of the shape given there.
    {
        auto typed = [&](const std::string& name, const std::string& what, std::uint8_t type,
                         const Tuple& v, std::uint64_t seq) {
            auto h = header("", seq);
            h.type = type;
            emit(name, what, h, v);
        };
        Nonce nonce{};
        for (std::size_t i = 0; i < nonce.size(); ++i)
            nonce[i] = static_cast<std::uint8_t>(0xa0 + i);
        NodeInfo info{"media-pc",
                      std::chrono::milliseconds(90'000),
                      {{4, "10.77.0.2", "eth0"}, {6, "fe80::282d:e6ff:fe2a:ad12", "eth0"}},
                      {{"role", "media"}}};
        typed("valid-announce", "announce (0x02)", type_byte(MessageType::announce),
              encode_announce(info), 10);
        typed("valid-goodbye", "goodbye (0x03): the empty tuple", type_byte(MessageType::goodbye),
              {}, 11);
        Query q{nonce, {id_prefix(id.id())}};
        typed("valid-query", "query (0x04) that lists one known node",
              type_byte(MessageType::query), encode_query(q), 12);
        typed("valid-answer", "answer (0x05) to the query's nonce", type_byte(MessageType::answer),
              encode_answer(Answer{nonce, info}), 13);
        Probe probe{nonce, 1, 4, false, {id_prefix(id.id())}, 16};
        typed("valid-probe", "ping probe (0x06) to one target, 16 bytes of padding",
              type_byte(MessageType::ping_probe), encode_probe(probe), 14);
        typed("valid-reply", "ping reply (0x07)", type_byte(MessageType::ping_reply),
              encode_reply(Reply{nonce, 1, 4, false, 52'000, "media-pc"}), 15);
        typed("valid-speed-data", "speed data (0x08), seq 1, 8 bytes of padding",
              type_byte(MessageType::speed_data), encode_speed_data(SpeedData{nonce, 1, 8}), 16);
        typed("valid-speed-end", "speed end (0x09)", type_byte(MessageType::speed_end),
              encode_speed_end(SpeedEnd{nonce, 1000, false}), 17);
        typed("valid-speed-report", "speed report (0x0a)", type_byte(MessageType::speed_report),
              encode_speed_report(SpeedReport{nonce, 990, 1000, 3, 506'880, 41'000, t0 + 1'000'000,
                                              t0 + 1'001'000'000, "media-pc", std::nullopt,
                                              std::nullopt}),
              18);
        // Section 10's optional trailing fields: the end marker that asks for the receiver's
        // drops, and the report that carries them.
        typed("valid-speed-end-options",
              "speed end (0x09) with options 1: report kernel_drops and backlog_drops",
              type_byte(MessageType::speed_end), encode_speed_end(SpeedEnd{nonce, 1000, true}), 28);
        typed("valid-speed-report-kernel-drops",
              "speed report (0x0a) with the receiver's drops: of the 10 lost, its kernel dropped "
              "6 and it dropped 2 from its backlog",
              type_byte(MessageType::speed_report),
              encode_speed_report(SpeedReport{nonce, 990, 1000, 3, 506'880, 41'000, t0 + 1'000'000,
                                              t0 + 1'001'000'000, "media-pc", 6, 2}),
              29);
        Nonce n_i{}, n_r{};
        n_i.fill(0x11);
        n_r.fill(0x22);
        typed("valid-pair-request", "pair request (0x0b): commitment to nI = 11...11",
              type_byte(MessageType::pair_request),
              encode_pair(PairRequest{nonce, pair_commitment(n_i), "media-pc", id_prefix(id.id())}),
              19);
        typed("valid-pair-response", "pair response (0x0c), nR = 22...22",
              type_byte(MessageType::pair_response),
              encode_pair(PairResponse{nonce, n_r, "kitchen-pi"}), 20);
        typed("valid-pair-reveal", "pair reveal (0x0d), nI = 11...11",
              type_byte(MessageType::pair_reveal), encode_pair(PairReveal{nonce, n_i}), 21);
        typed("valid-pair-confirm", "pair confirm (0x0e)", type_byte(MessageType::pair_confirm),
              encode_pair(PairConfirm{nonce}), 22);
        typed("valid-private-type",
              "private-use type 0x80: valid, then nothing handles it (unhandled)", 0x80, {"x"}, 23);

        // Section 13: a search query with words, a glob, a type and size bounds; the answer of
        // one node bound to its nonce; a query with limit 0 (valid datagram, ignored: malformed).
        {
            SearchQuery sq;
            sq.nonce = nonce;
            sq.terms = {"holiday", "*.mkv"};
            sq.type = "video";
            sq.min_size = 1'000'000;
            sq.limit = 50;
            typed("valid-search-query",
                  "search query (0x10): 'holiday' and '*.mkv', videos of 1 MB or more, no upper "
                  "bound (null), 50 results per node",
                  type_byte(MessageType::search_query), encode_search_query(sq), 160);
            SearchAnswer sa;
            sa.nonce = nonce;
            sa.name = "media-pc";
            SearchHit hit;
            hit.share = "films";
            hit.path = "2024/Holiday in Rome.mkv";
            hit.size = 734'003'200;
            hit.mtime_s = 1'717'171'717;
            hit.type = "video";
            for (std::size_t i = 0; i < hit.root.size(); ++i)
                hit.root[i] = static_cast<std::uint8_t>(0x30 + i);
            hit.block_size = block_size_for(hit.size);
            sa.hits = {hit};
            typed("valid-search-answer",
                  "search answer (0x11) to the query's nonce: part 1 of 1, one file, not truncated",
                  type_byte(MessageType::search_answer), encode_search_answer(sa), 161);
            // Section 13.4: the streaming form of both.
            SearchQuery stq;
            stq.nonce = nonce;
            stq.limit = 50;
            stq.streaming = true;
            typed("valid-search-query-streaming",
                  "streaming search query (0x10): what is being served now, any file (seventh "
                  "value true)",
                  type_byte(MessageType::search_query), encode_search_query(stq), 163);
            SearchAnswer st;
            st.nonce = nonce;
            st.name = "media-pc";
            st.streaming = true;
            SearchServe sv;
            sv.share = hit.share;
            sv.path = hit.path;
            sv.size = hit.size;
            sv.type = hit.type;
            sv.root = hit.root;
            ServeClient viewer;
            NodeId viewer_id;
            for (std::size_t i = 0; i < viewer_id.digest.size(); ++i)
                viewer_id.digest[i] = static_cast<std::uint8_t>(0x90 + i);
            viewer.node = viewer_id;
            viewer.address = "192.168.1.23";
            viewer.age_ms = 95'000;
            viewer.rate_bps = 12'000'000;
            viewer.bytes = 142'500'000;
            ServeClient anonymous; // no client certificate: null node
            anonymous.address = "fd00::7";
            anonymous.age_ms = 2'500;
            anonymous.rate_bps = 4'000'000;
            anonymous.bytes = 1'250'000;
            sv.clients = {viewer, anonymous};
            st.serves = {sv};
            typed("valid-search-answer-streaming",
                  "streaming search answer (0x11): part 1 of 1, no hits, one file served to two "
                  "clients (one without a client certificate)",
                  type_byte(MessageType::search_answer), encode_search_answer(st), 164);
            auto bad = encode_search_query(sq);
            bad[5] = std::int64_t{0};
            if (decode_search_query(bad)) {
                std::cerr << "shape-search-limit-0: the reference decoder takes it\n";
                std::exit(1);
            }
            auto h = header("", 162);
            h.type = type_byte(MessageType::search_query);
            auto expect = valid(h, bad, id);
            expect["shape"] = false;
            write(dir, "shape-search-limit-0",
                  "search query with limit 0: a valid datagram whose query is ignored (counted "
                  "malformed)",
                  seed, encode_datagram(h, bad, id), std::move(expect));
        }

        // Section 12: a report with every part, an anonymous one without gateway figures, and
        // valid datagrams whose tuple is not a report (a receiver counts them as malformed).
        WeatherReport wr;
        wr.name = "media-pc";
        wr.activities = {{ActivityClass::live_stream, 6, 8'000'000, "tv"},
                         {ActivityClass::backup, 1, 0, ""}};
        wr.links = {{"eth0", true, true, 1'200'000, 9'000'000}};
        GatewayFigures gw;
        gw.wan_up_bps = 11'500'000;
        gw.wan_down_bps = 9'400'000;
        gw.max_up_bps = 12'500'000;
        gw.max_down_bps = 50'000'000;
        gw.igd_note = "miniupnpd";
        gw.rtt_now_us = 41'000;
        gw.rtt_floor_us = 1'500;
        gw.latency_note = "ICMP ping socket";
        wr.gateway = gw;
        const auto weather = type_byte(MessageType::weather_report);
        typed(
            "valid-weather-report",
            "weather report (0x0f): two activities, one link, gateway figures (wan_down unknown: "
            "null)",
            weather,
            [&] {
                auto r = wr;
                r.gateway->wan_down_bps.reset();
                return encode_weather_report(r);
            }(),
            24);
        typed(
            "valid-weather-anonymous",
            "weather report (0x0f) as --anonymous sends it: no names, rates rounded, no gateway",
            weather,
            [&] {
                auto r = wr;
                r.gateway.reset();
                r.activities[0].rate_bps = 8'347'112;
                return encode_weather_report(anonymized(r));
            }(),
            25);
        auto wrong_shape = [&](const std::string& name, const std::string& what, Tuple t,
                               std::uint64_t seq) {
            if (decode_weather_report(t)) {
                std::cerr << name << ": the reference decoder takes it\n";
                std::exit(1);
            }
            auto h = header("", seq);
            h.type = weather;
            auto expect = valid(h, t, id);
            expect["shape"] = false;
            write(dir, name, what, seed, encode_datagram(h, t, id), std::move(expect));
        };
        {
            auto t = encode_weather_report(wr);
            std::get<List>(std::get<List>(t[2].v)[0].v)[0] = std::int64_t{7};
            wrong_shape("shape-weather-unknown-class",
                        "weather report with activity class 7: a valid datagram whose report is "
                        "ignored (malformed)",
                        t, 26);
            t = encode_weather_report(wr);
            std::get<List>(std::get<List>(t[2].v)[0].v)[1] = std::int64_t{8};
            wrong_shape("shape-weather-priority-8",
                        "weather report with priority 8: a valid datagram whose report is "
                        "ignored (malformed)",
                        t, 27);
        }
    }

    auto base = encode_datagram(header("t"), {"x"}, id);
    auto payload = [](std::initializer_list<int> l) {
        ByteBuffer b;
        for (int x : l)
            b.push_back(static_cast<std::uint8_t>(x));
        return b;
    };
    auto bad = [&](const std::string& name, const std::string& what, const ByteBuffer& d,
                   DropReason r) { write(dir, name, what, seed, d, reject(r)); };

    auto flipped = base;
    flipped.back() ^= 0x01;
    bad("reject-bad-signature", "last signature bit flipped", flipped, DropReason::bad_signature);
    auto altered = base;
    altered[altered.size() - 65] ^= 0x20; // 'x' -> 'X' in the payload, signature unchanged
    bad("reject-altered-payload", "payload changed after signing", altered,
        DropReason::bad_signature);
    bad("reject-truncated", "string length runs past the payload (signed)",
        with_payload(base, payload({0, 0, 0, 1, 5, 0, 0, 0, 9, 'a'}), id), DropReason::truncated);
    bad("reject-huge-count", "count larger than the bytes left (signed)",
        with_payload(base, payload({0xff, 0xff, 0xff, 0xff, 0}), id), DropReason::truncated);
    {
        ByteBuffer p = payload({0, 0, 0, 1});
        for (int i = 0; i < 9; ++i) {
            p.push_back(7);
            for (int k : {0, 0, 0, i == 8 ? 0 : 1})
                p.push_back(static_cast<std::uint8_t>(k));
        }
        bad("reject-too-deep", "lists nested 9 deep (signed)", with_payload(base, p, id),
            DropReason::too_deep);
    }
    bad("reject-bad-utf8", "overlong encoding of '/' in a string (signed)",
        with_payload(base, payload({0, 0, 0, 1, 5, 0, 0, 0, 2, 0xc0, 0xaf}), id),
        DropReason::bad_utf8);
    bad("reject-unknown-type", "value tag 0x08 (signed)",
        with_payload(base, payload({0, 0, 0, 1, 8}), id), DropReason::unknown_type);
    bad("reject-trailing", "a byte after the last value (signed)",
        with_payload(base, payload({0, 0, 0, 1, 0, 0}), id), DropReason::trailing);
    auto v2 = base;
    v2[4] = 2;
    bad("reject-version", "version 2 (signed)", resign(v2, id), DropReason::bad_version);
    auto flags = base;
    flags[7] = 0x02; // bit 0 is the batch flag (section 3.4)
    bad("reject-critical-flag", "unknown critical flag bit 1 (signed)", resign(flags, id),
        DropReason::bad_flags);
    auto shortd = ByteBuffer(base.begin(), base.begin() + 132);
    bad("reject-too-short", "132 bytes", shortd, DropReason::too_short);
    auto len = base;
    len.insert(len.end() - 64, 0x00);
    bad("reject-length", "one byte more than the lengths say", len, DropReason::bad_length);
    auto magic = base;
    magic[0] = 'm';
    bad("reject-magic", "lower-case magic", magic, DropReason::bad_magic);
    auto topic = with_payload(base, payload({0, 0, 0, 0}), id);
    topic[65] = 0xff;
    bad("reject-topic-utf8", "topic byte 0xff (signed)", resign(topic, id), DropReason::bad_utf8);

    // The stateless reasons the vectors above do not show yet.
    auto type0 = base;
    type0[5] = 0;
    bad("reject-type-0", "message type 0 (signed)", resign(type0, id), DropReason::bad_type);
    auto inc0 = base;
    std::fill(inc0.begin() + 40, inc0.begin() + 48, 0);
    bad("reject-incarnation-0", "incarnation 0 (signed)", resign(inc0, id), DropReason::bad_header);
    auto seq0 = base;
    std::fill(seq0.begin() + 48, seq0.begin() + 56, 0);
    bad("reject-seq-0", "sequence 0 (signed)", resign(seq0, id), DropReason::bad_header);
    {
        // 133 bytes: T = P = 0 passes the header checks, but a payload holds at least its count.
        auto empty = encode_datagram(header(""), {}, id);
        ByteBuffer d(empty.begin(), empty.begin() + 65);
        d.insert(d.end(), {0, 0, 0, 0});
        d.resize(d.size() + signature_size);
        bad("reject-133-bytes", "T = P = 0: 133 bytes, no tuple count (signed)", resign(d, id),
            DropReason::truncated);
    }
    {
        // The largest datagram plus one: 65389 bytes (too_long comes before any other check).
        ByteBuffer d = base;
        d.resize(max_datagram_size + 1, 0);
        bad("reject-too-long", "65389 bytes", d, DropReason::too_long);
        // P = 65001 with T = 0: 133 + 0 + 65001 bytes satisfies the length equation, but P is
        // over 65000 (the payload a sender must refuse), so it is bad_length, not too_long.
        ByteBuffer big(base.begin(), base.begin() + 64);
        big.push_back(0); // T = 0
        std::uint32_t p = 65001;
        for (int sh = 24; sh >= 0; sh -= 8)
            big.push_back(static_cast<std::uint8_t>(p >> sh));
        ByteBuffer tuple;
        encode_tuple({Bytes{ByteBuffer(65001 - 4 - 5, 0x5a)}}, tuple);
        big.insert(big.end(), tuple.begin(), tuple.end());
        big.resize(big.size() + signature_size);
        bad("reject-payload-65001", "P = 65001, T = 0, length 65134 = 133 + T + P (signed)",
            resign(big, id), DropReason::bad_length);
    }
    {
        // Tuple faults in one payload: the decoder reads left to right and stops at the first.
        // A list at depth 9 is too_deep when its tag is read, before its short count.
        ByteBuffer p = payload({0, 0, 0, 1});
        for (int i = 0; i < 8; ++i)
            p.insert(p.end(), {7, 0, 0, 0, 1});
        p.insert(p.end(), {7, 0xff, 0xff}); // depth 9, and only 2 of its count's 4 bytes
        bad("reject-deep-before-short", "list at depth 9 whose count runs past the end (signed)",
            with_payload(base, p, id), DropReason::too_deep);
        // A count is compared with the bytes after it: 2 values, 1 byte left.
        bad("reject-count-after-field", "count 2 with 1 byte after the count field (signed)",
            with_payload(base, payload({0, 0, 0, 2, 0}), id), DropReason::truncated);
        // An unknown tag before a bad string: unknown_type, the first fault met.
        bad("reject-first-fault-wins", "tag 0x08 then a string that is not UTF-8 (signed)",
            with_payload(base, payload({0, 0, 0, 2, 8, 5, 0, 0, 0, 1, 0xff}), id),
            DropReason::unknown_type);
    }

    // Strict Ed25519 (protocol section 3.3): keys and signatures a receiver refuses before it
    // verifies. The sender key and signature bytes are set by hand; nobody holds a private key
    // for these keys, so `seed` is only the one `base` was made with.
    auto set = [](ByteBuffer d, std::size_t at, std::string_view hex) {
        auto b = from_hex(hex);
        std::copy(b->begin(), b->end(), d.begin() + static_cast<std::ptrdiff_t>(at));
        return d;
    };
    const std::size_t key_at = 8, r_at = base.size() - 64, s_at = base.size() - 32;
    const std::string_view identity =
        "0100000000000000000000000000000000000000000000000000000000000000";
    const std::string_view zero32 =
        "0000000000000000000000000000000000000000000000000000000000000000";
    const std::string_view order8 =
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";
    const std::string_view group_order =
        "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
    bad("reject-small-order-key",
        "sender key the identity point, signature R = identity, S = 0: plain RFC 8032 "
        "verification accepts it for any message",
        set(set(set(base, key_at, identity), r_at, identity), s_at, zero32),
        DropReason::small_order_key);
    bad("reject-small-order-key-8", "sender key a point of order 8 (x negative), real signature",
        set(base, key_at, "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
        DropReason::small_order_key);
    bad("reject-noncanonical-key", "sender key y = p + 3 (y = 3 is on the curve), real signature",
        set(base, key_at, "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        DropReason::noncanonical_key);
    bad("reject-small-order-r", "signature R a point of order 8, real S", set(base, r_at, order8),
        DropReason::small_order_r);
    bad("reject-noncanonical-r", "signature R with y = 2^255 - 1, real S",
        set(base, r_at, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        DropReason::noncanonical_r);
    bad("reject-s-is-l", "signature S = L, real R", set(base, s_at, group_order),
        DropReason::noncanonical_s);
    {
        // S + L: the real signature's scalar plus the group order, the same value mod L.
        auto d = base;
        auto l = from_hex(group_order);
        unsigned carry = 0;
        for (std::size_t i = 0; i < 32; ++i) {
            unsigned v = d[s_at + i] + (*l)[i] + carry;
            d[s_at + i] = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
        bad("reject-s-plus-l", "the real signature with S + L (the same scalar mod L)", d,
            DropReason::noncanonical_s);
    }
    // Batch signing (protocol section 3.4): a batch of 3 (a path of 2 hashes, position 3 of the
    // tree empty), two of its datagrams as valid vectors with their batch fields, and one
    // datagram of it altered for each batch reason.
    {
        std::vector<Header> hs;
        std::vector<Tuple> vs;
        std::vector<ByteBuffer> bodies;
        for (std::uint64_t i = 0; i < 3; ++i) {
            hs.push_back(header("bulk", 40 + i));
            vs.push_back({std::int64_t(i), "batch"});
            bodies.push_back(encode_body(hs.back(), vs.back(), id.public_key()));
        }
        auto sealed = seal_batch(std::move(bodies), id);
        auto batched = [&](std::size_t i) {
            auto h = hs[i];
            h.flags = batch_flag;
            auto e = valid(h, vs[i], id);
            auto hp = parse_header(sealed[i]);
            json::array path;
            for (std::size_t k = 0; k < hp.parsed.batch->path.size(); k += 32)
                path.push_back(json::string(to_hex(hp.parsed.batch->path.subspan(k, 32))));
            e["batch"] = json::object{{"size", hp.parsed.batch->size},
                                      {"index", hp.parsed.batch->index},
                                      {"root", to_hex(ByteView(hp.parsed.batch->root, 32))},
                                      {"path", std::move(path)}};
            return e;
        };
        write(dir, "valid-batch-0-of-3",
              "batch-signed (flag bit 0): datagram 0 of a batch of 3, path of 2 hashes", seed,
              sealed[0], batched(0));
        write(dir, "valid-batch-2-of-3",
              "batch-signed: datagram 2 of a batch of 3, whose sibling is the empty position 3",
              seed, sealed[2], batched(2));
        const ByteBuffer& b1 = sealed[1];
        const std::size_t at = b1.size() - 64 - 64 - 32 - 2; // the batch size field
        auto change = [&](std::size_t offset, std::uint8_t value) {
            auto d = b1;
            d[offset] = value;
            return d;
        };
        bad("reject-batch-size-0", "batch size 0", change(at, 0), DropReason::bad_batch);
        bad("reject-batch-size-33", "batch size 33 (at most 32)", change(at, 33),
            DropReason::bad_batch);
        bad("reject-batch-size-path", "batch size 5 (a path of 3 hashes) with a path of 2",
            change(at, 5), DropReason::bad_batch);
        bad("reject-batch-index", "index 3 in a batch of 3", change(at + 1, 3),
            DropReason::bad_index);
        {
            auto d = b1;
            d.erase(d.end() - 64 - 32, d.end() - 64);
            bad("reject-batch-short-path", "the path's last hash cut out", d,
                DropReason::bad_batch);
        }
        bad("reject-batch-path", "a bit of the path flipped",
            change(at + 34 + 3, static_cast<std::uint8_t>(b1[at + 34 + 3] ^ 0x04)),
            DropReason::bad_path);
        bad("reject-batch-moved", "index 1 changed to 0: the leaf covers the index",
            change(at + 1, 0), DropReason::bad_path);
        {
            // A canonical signature of the right root message, by another key.
            std::array<std::uint8_t, 32> other_seed{};
            auto other = seeded(0x43, other_seed);
            auto d = b1;
            auto sig = other.sign(ByteView(batch_root_message(3, d.data() + at + 2)));
            std::copy(sig.begin(), sig.end(), d.end() - 64);
            bad("reject-batch-forged-root", "the root signed by another key", d,
                DropReason::forged_root);
            // The batch signature under the datagram domain: a single datagram whose signature
            // is the batch's does not verify.
            auto single = encode_datagram(hs[1], vs[1], id);
            std::copy(b1.end() - 64, b1.end(), single.end() - 64);
            bad("reject-batch-signature-as-datagram",
                "a datagram carrying its batch's root signature instead of its own", single,
                DropReason::bad_signature);
        }
    }
    write_sequences(dir + "/sequences", id, seed);
    return 0;
}
