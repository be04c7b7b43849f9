// JSON form of values: exact both ways, including the forms JSON lacks (bytes, NaN, infinities).
#include "output.hpp"
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
    // A line of its own (stderr) shows quotes as they are; a backslash stays escaped.
    EXPECT_EQ(cli::escape_text("must be {\"bytes\": BASE64}", false),
              "must be {\"bytes\": BASE64}");
    EXPECT_EQ(cli::escape_text("a\\\"\n", false), "a\\\\\"\\n");
}

// Numbers are never written in exponent notation (4.9444E-2, 0E0): plain decimal, with a
// fraction so that a float stays a float, and the shortest digits that read back exactly.
TEST(JsonText, FloatsInPlainDecimal) {
    EXPECT_EQ(cli::json_text(0.049444), "0.049444");
    EXPECT_EQ(cli::json_text(0.0), "0.0");
    EXPECT_EQ(cli::json_text(-0.0), "-0.0");
    EXPECT_EQ(cli::json_text(2.5), "2.5");
    EXPECT_EQ(cli::json_text(1000.0), "1000.0");
    EXPECT_EQ(cli::json_text(1e20), "100000000000000000000.0");
    EXPECT_EQ(cli::json_text(1e-7), "0.0000001");
    EXPECT_EQ(cli::json_text(std::int64_t{-7}), "-7");
    EXPECT_EQ(cli::json_text(HUGE_VAL), "null"); // JSON has no infinity
    EXPECT_EQ(cli::json_text(json::object{{"a", json::array{1, 0.5, "x\"y"}}, {"b", nullptr}}),
              R"({"a":[1,0.5,"x\"y"],"b":null})");
    for (double d : {0.1, 1.0 / 3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                     -123456.789, 9007199254740993.0}) {
        const std::string text = cli::json_text(d);
        EXPECT_EQ(text.find_first_of("eE"), std::string::npos) << text;
        // What mcast prints, send --json-values reads back exactly (Boost.JSON's own parser
        // is only approximate for the longest literals).
        EXPECT_EQ(cli::tuple_from_json_text(text), Tuple{d}) << text;
    }
}

// Numbers that int64 or float64 cannot hold are refused, never rounded to 1e+20, inf or 0.
TEST(ValueJson, NumbersBeyondTheirTypeAreRefused) {
    const auto why = [](std::string_view text) {
        try {
            cli::tuple_from_json_text(text);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(why("99999999999999999999").find("beyond the int64 range"), std::string::npos);
    EXPECT_NE(why("[1, -9223372036854775809]").find("beyond the int64 range"), std::string::npos);
    EXPECT_NE(why("1e400").find("beyond the float64 range"), std::string::npos);
    EXPECT_NE(why("[-1.5E+309]").find("beyond the float64 range"), std::string::npos);
    EXPECT_NE(why("1e-400").find("too small"), std::string::npos);
    // The edges and what merely looks like a number inside a string are fine.
    EXPECT_EQ(cli::tuple_from_json_text("[9223372036854775807, -9223372036854775808]"),
              (Tuple{std::numeric_limits<std::int64_t>::max(),
                     std::numeric_limits<std::int64_t>::min()}));
    EXPECT_EQ(cli::tuple_from_json_text(R"(["99999999999999999999 \" 1e400", 0.0, 0e5, 5e-324])"),
              (Tuple{"99999999999999999999 \" 1e400", 0.0, 0.0, 5e-324}));
    EXPECT_EQ(cli::tuple_from_json_text("1.7976931348623157e308"), (Tuple{1.7976931348623157e308}));
}
