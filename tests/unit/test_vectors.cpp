// The committed test vectors (docs/protocol.md section 8): every valid one decodes to exactly the
// expected fields and re-encodes byte for byte from its seed; every invalid one is rejected for
// exactly the stated reason.
#include "value_json.hpp"

#include <mcast/wire.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace mcast;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> vector_files() {
    std::vector<fs::path> v;
    for (auto& e : fs::directory_iterator(MCAST_VECTORS_DIR))
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
        EXPECT_EQ(encode_datagram(h, values, Identity::from_seed(seed)), datagram);
    }
}
