// The committed test vectors (docs/protocol.md section 8): every valid one decodes to exactly the
// expected fields (sender id and short id too) and re-encodes byte for byte from its seed; every
// invalid one is rejected for exactly the stated reason; each message type's vector has its
// section's shape; every stateless reason has a vector; and each stateful sequence gives the
// stated outcome at every step.
#include "value_json.hpp"

#include "protocol/merkle.hpp"
#include "protocol/receiver.hpp"
#include <mcast/pairing.hpp>
#include <mcast/ping.hpp>
#include <mcast/presence.hpp>
#include <mcast/search.hpp>
#include "protocol/receiver.hpp"
#include <mcast/speed.hpp>
#include <mcast/weather.hpp>
#include <mcast/wire.hpp>

#include <set>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace mcast;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> vector_files(const fs::path& dir = MCAST_VECTORS_DIR) {
    std::vector<fs::path> v;
    for (auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json") v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
}

json::object load(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str()).as_object();
}

ByteBuffer hex(const json::value& v) {
    return *from_hex(v.as_string());
}

} // namespace

TEST(Vectors, ThereAreValidAndInvalidVectors) {
    int valid = 0, invalid = 0;
    for (auto& f : vector_files())
        (load(f).at("expect").as_object().contains("reject") ? invalid : valid)++;
    EXPECT_GE(valid, 5);
    EXPECT_GE(invalid, 10);
}

TEST(Vectors, EachDecodesAsExpected) {
    for (auto& f : vector_files()) {
        SCOPED_TRACE(f.filename().string());
        auto v = load(f);
        auto datagram = hex(v.at("datagram"));
        const auto& expect = v.at("expect").as_object();
        auto out = decode_datagram(datagram);
        if (expect.contains("reject")) {
            ASSERT_TRUE(out.error);
            EXPECT_EQ(to_string(*out.error), std::string_view(expect.at("reject").as_string()));
            continue;
        }
        ASSERT_FALSE(out.error) << to_string(*out.error);
        EXPECT_EQ(out.header.type, expect.at("type").to_number<int>());
        EXPECT_EQ(out.header.flags, expect.at("flags").to_number<int>());
        EXPECT_EQ(to_hex(out.header.sender), std::string_view(expect.at("sender_key").as_string()));
        auto node = NodeId::of(out.header.sender);
        EXPECT_EQ(node.full(), std::string_view(expect.at("sender_id").as_string()));
        EXPECT_EQ(node.short_form(), std::string_view(expect.at("sender_short_id").as_string()));
        EXPECT_EQ(cli::hex64(out.header.incarnation),
                  std::string_view(expect.at("incarnation").as_string()));
        EXPECT_EQ(out.header.seq, expect.at("seq").to_number<std::uint64_t>());
        EXPECT_EQ(out.header.timestamp_ns, expect.at("timestamp").to_number<std::int64_t>());
        EXPECT_EQ(out.header.topic, std::string_view(expect.at("topic").as_string()));
        EXPECT_EQ(cli::to_json(out.values), expect.at("values").as_array());

        // Independent re-encoding from the seed and the expected fields gives the same bytes.
        auto seed_bytes = hex(v.at("seed"));
        std::array<std::uint8_t, 32> seed{};
        std::copy(seed_bytes.begin(), seed_bytes.end(), seed.begin());
        Header h = out.header;
        Tuple values;
        for (auto& j : expect.at("values").as_array())
            values.push_back(cli::value_from_json(j));
        auto id = Identity::from_seed(seed);
        if (!expect.contains("batch")) {
            EXPECT_EQ(encode_datagram(h, values, id), datagram);
            continue;
        }
        // A batch-signed vector (section 3.4): the body, size and index from the fields, the
        // root from its leaf and the path given, the signature over the root message.
        const auto& b = expect.at("batch").as_object();
        auto body = encode_body(h, values, id.public_key());
        const auto size = b.at("size").to_number<std::uint8_t>();
        const auto index = b.at("index").to_number<std::uint8_t>();
        body.push_back(size);
        body.push_back(index);
        ByteBuffer path;
        for (auto& p : b.at("path").as_array()) {
            auto hash = hex(p);
            path.insert(path.end(), hash.begin(), hash.end());
        }
        auto root = merkle_root_from_path(merkle_leaf(body), index, path);
        EXPECT_EQ(to_hex(root), std::string_view(b.at("root").as_string()));
        auto sig = id.sign(ByteView(batch_root_message(size, root.data())));
        body.insert(body.end(), root.begin(), root.end());
        body.insert(body.end(), path.begin(), path.end());
        body.insert(body.end(), sig.begin(), sig.end());
        EXPECT_EQ(body, datagram);
    }
}

// The shape of each message type (sections 9-11): its decoder takes the vector's tuple.
bool has_shape(std::uint8_t type, const Tuple& t) {
    switch (type) {
    case 0x02:
        return decode_announce(t).has_value();
    case 0x03:
        return t.empty();
    case 0x04:
        return decode_query(t).has_value();
    case 0x05:
        return decode_answer(t).has_value();
    case 0x06:
        return decode_probe(t).has_value();
    case 0x07:
        return decode_reply(t).has_value();
    case 0x08:
        return decode_speed_data(t).has_value();
    case 0x09:
        return decode_speed_end(t).has_value();
    case 0x0a:
        return decode_speed_report(t).has_value();
    case 0x0b:
        return decode_pair_request(t).has_value();
    case 0x0c:
        return decode_pair_response(t).has_value();
    case 0x0d:
        return decode_pair_reveal(t).has_value();
    case 0x0e:
        return decode_pair_confirm(t).has_value();
    case 0x0f:
        return decode_weather_report(t).has_value();
    case 0x10:
        return decode_search_query(t).has_value();
    case 0x11:
        return decode_search_answer(t).has_value();
    default:
        return true; // data and private types: any tuple
    }
}

TEST(Vectors, EveryMessageTypeAndEveryStatelessReasonHasOne) {
    std::set<int> types, wrong_shape;
    std::set<std::string> reasons;
    for (auto& f : vector_files()) {
        SCOPED_TRACE(f.filename().string());
        auto v = load(f);
        const auto& expect = v.at("expect").as_object();
        if (expect.contains("reject")) {
            reasons.insert(std::string(expect.at("reject").as_string()));
            continue;
        }
        auto out = decode_datagram(hex(v.at("datagram")));
        ASSERT_FALSE(out.error);
        // "shape": false marks a valid datagram whose tuple its handler ignores.
        const bool shaped = !expect.contains("shape");
        if (!shaped) {
            EXPECT_FALSE(expect.at("shape").as_bool());
        }
        EXPECT_EQ(has_shape(out.header.type, out.values), shaped) << int(out.header.type);
        (shaped ? types : wrong_shape).insert(out.header.type);
    }
    for (int t = 0x01; t <= 0x11; ++t)
        EXPECT_TRUE(types.count(t)) << "no vector of type " << t;
    // Every reason a datagram alone decides (section 6, steps 1-4 and 7, and 9).
    for (auto r : {"too_short",        "too_long",        "bad_magic",      "bad_version",
                   "bad_type",         "bad_flags",       "bad_length",     "bad_header",
                   "noncanonical_key", "small_order_key", "noncanonical_r", "small_order_r",
                   "noncanonical_s",   "bad_utf8",        "truncated",      "too_deep",
                   "unknown_type",     "trailing",        "bad_signature",  "bad_batch",
                   "bad_index",        "bad_path",        "forged_root"})
        EXPECT_TRUE(reasons.count(r)) << "no vector rejected as " << r;
    EXPECT_TRUE(wrong_shape.count(0x0f)) << "no weather report of the wrong shape";
    EXPECT_TRUE(wrong_shape.count(0x10)) << "no search query of the wrong shape";
}

// The weather vectors hold what their descriptions say, field by field (section 12).
TEST(Vectors, WeatherReportsDecodeToTheirFields) {
    auto decode = [](const char* name) {
        auto v = load(fs::path(MCAST_VECTORS_DIR) / name);
        auto out = decode_datagram(hex(v.at("datagram")));
        EXPECT_FALSE(out.error);
        return decode_weather_report(out.values);
    };
    auto r = decode("valid-weather-report.json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->name, "media-pc");
    EXPECT_EQ(r->interval_ms, 5000u);
    ASSERT_EQ(r->activities.size(), 2u);
    EXPECT_EQ(r->activities[0], (Activity{ActivityClass::live_stream, 6, 8'000'000, "tv"}));
    EXPECT_EQ(r->activities[1].cls, ActivityClass::backup);
    ASSERT_EQ(r->links.size(), 1u);
    EXPECT_EQ(r->links[0], (LinkLoad{"eth0", true, true, 1'200'000, 9'000'000}));
    ASSERT_TRUE(r->gateway);
    EXPECT_EQ(r->gateway->wan_up_bps, 11'500'000u);
    EXPECT_FALSE(r->gateway->wan_down_bps);
    EXPECT_EQ(r->gateway->rtt_floor_us, 1'500u);
    auto a = decode("valid-weather-anonymous.json");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->name, "");
    EXPECT_EQ(a->activities[0].label, "");
    EXPECT_EQ(a->activities[0].rate_bps, 8'300'000u);
    EXPECT_EQ(a->links[0].interface, "");
    EXPECT_FALSE(a->gateway);
    EXPECT_FALSE(decode("shape-weather-unknown-class.json"));
    EXPECT_FALSE(decode("shape-weather-priority-8.json"));
}

TEST(Vectors, SequencesGiveTheStatedOutcomes) {
    auto files = vector_files(fs::path(MCAST_VECTORS_DIR) / "sequences");
    std::set<std::string> outcomes;
    for (auto& f : files) {
        SCOPED_TRACE(f.filename().string());
        auto v = load(f);
        auto key_bytes = hex(v.at("receiver_key"));
        PublicKeyBytes key{};
        std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
        auto inc = std::stoull(std::string(v.at("receiver_incarnation").as_string()), nullptr, 16);
        Receiver r(key, inc);
        for (auto& step : v.at("steps").as_array()) {
            const auto& s = step.as_object();
            auto at = std::chrono::milliseconds(s.at("at_ms").to_number<std::int64_t>());
            auto got = r.ingest(hex(s.at("datagram")), MonoTime{} + at);
            std::string outcome = got.dropped ? std::string(to_string(*got.dropped)) : "delivered";
            EXPECT_EQ(outcome, std::string_view(s.at("expect").as_string())) << "at " << at.count();
            outcomes.insert(outcome);
        }
    }
    for (auto o : {"delivered", "own", "duplicate", "replay", "bad_signature"})
        EXPECT_TRUE(outcomes.count(o)) << "no sequence shows " << o;
}
