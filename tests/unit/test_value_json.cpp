// JSON form of values: exact both ways, including the forms JSON lacks (bytes, NaN, infinities).
#include "value_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace mcast;
namespace json = boost::json;

TEST(ValueJson, RoundTrip) {
    Tuple t{nullptr,           true,         std::int64_t{-5}, 2.5,      "s", Bytes{{1, 2, 3}},
            List{List{}, "x"}, std::nan(""), HUGE_VAL,         -HUGE_VAL};
    auto j = cli::to_json(t);
    Tuple back;
    for (auto& e : j)
        back.push_back(cli::value_from_json(e));
    EXPECT_EQ(back, t);
    EXPECT_EQ(json::serialize(j[5]), R"({"bytes":"AQID"})");
    EXPECT_EQ(json::serialize(j[7]), R"({"float":"nan"})");
}

TEST(ValueJson, TupleFromText) {
    EXPECT_EQ(cli::tuple_from_json_text(R"([1, "a", null])"),
              (Tuple{std::int64_t{1}, "a", nullptr}));
    EXPECT_EQ(cli::tuple_from_json_text("42"), (Tuple{std::int64_t{42}}));
    EXPECT_EQ(cli::tuple_from_json_text("1.0"), (Tuple{1.0}));
    EXPECT_THROW(cli::tuple_from_json_text("[1,"), std::invalid_argument);
    EXPECT_THROW(cli::tuple_from_json_text("18446744073709551615"), std::invalid_argument);
    EXPECT_THROW(cli::tuple_from_json_text(R"({"a": 1})"), std::invalid_argument);
    EXPECT_THROW(cli::tuple_from_json_text(R"({"bytes": "***"})"), std::invalid_argument);
}

TEST(ValueJson, Rfc3339AndHex) {
    EXPECT_EQ(cli::rfc3339_ns(0), "1970-01-01T00:00:00.000000000Z");
    EXPECT_EQ(cli::rfc3339_ns(1'780'000'000'123'456'789), "2026-05-28T20:26:40.123456789Z");
    EXPECT_EQ(cli::hex64(0xabc), "0000000000000abc");
    EXPECT_EQ(cli::rfc3339_ns(-1), "1969-12-31T23:59:59.999999999Z");
    // A hostile sender's extreme timestamps must not overflow.
    EXPECT_FALSE(cli::rfc3339_ns(std::numeric_limits<std::int64_t>::min()).empty());
    EXPECT_FALSE(cli::rfc3339_ns(std::numeric_limits<std::int64_t>::max()).empty());
}

#include "printers.hpp"

TEST(Printers, UntrustedTextCannotDriveTheTerminal) {
    EXPECT_EQ(cli::escape_text("a\x1b[2Jb"), "a\\x1b[2Jb");
    EXPECT_EQ(cli::escape_text("line\nfake"), "line\\nfake");
    EXPECT_EQ(cli::escape_text("\xc2\x9b"
                               "31m"),
              "\\u{009b}31m");                                    // C1 CSI
    EXPECT_EQ(cli::escape_text("x\xe2\x80\xaey"), "x\\u{202e}y"); // RTL override
    EXPECT_EQ(cli::escape_text("\xe2\x81\xa6z"), "\\u{2066}z");   // bidi isolate
    EXPECT_EQ(cli::escape_text("gr\xc3\xbc\xc3\x9f \xe2\x82\xac"),
              "gr\xc3\xbc\xc3\x9f \xe2\x82\xac"); // text stays
    EXPECT_EQ(cli::quote_text("say \"hi\""), "\"say \\\"hi\\\"\"");
}
