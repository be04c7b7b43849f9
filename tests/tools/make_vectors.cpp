// Writes the wire format test vectors (tests/vectors/*.json) from fixed seeds. Valid vectors come
// from the reference encoder; invalid ones are hand-built and, where the point is a payload or
// header defect, properly signed so that only that defect makes them fail.
#include "forge.hpp"
#include "value_json.hpp"

#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <cmath>
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
            {"incarnation", cli::hex64(h.incarnation)},
            {"seq", h.seq},
            {"timestamp", h.timestamp_ns},
            {"topic", h.topic},
            {"values", cli::to_json(values)}};
}

json::object reject(DropReason r) {
    return {{"reject", std::string(to_string(r))}};
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
    flags[7] = 0x01;
    bad("reject-critical-flag", "unknown critical flag bit 0 (signed)", resign(flags, id),
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
    return 0;
}
