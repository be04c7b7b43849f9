// The weather_report payload (docs/protocol.md section 12) and the plain functions of
// weather.hpp: names, default priorities, the strict codec (every bound rejects the whole
// report), anonymous mode, the delay grade and the rate words the reasons are made of.
#include "protocol/weather_text.hpp"

#include <mcast/weather.hpp>

#include <gtest/gtest.h>

using namespace mcast;

namespace {

WeatherReport full_report() {
    WeatherReport r;
    r.name = "media-pc";
    r.interval_ms = 5000;
    r.activities = {{ActivityClass::live_stream, 6, 8'000'000, "tv"},
                    {ActivityClass::backup, 1, 0, ""}};
    r.links = {{"eth0", true, true, 1'200'000, 9'000'000}};
    GatewayFigures g;
    g.wan_up_bps = 2'000'000;
    g.max_up_bps = 10'000'000;
    g.max_down_bps = 50'000'000;
    g.igd_note = "FRITZ!Box";
    g.rtt_now_us = 41'000;
    g.rtt_floor_us = 1'500;
    g.latency_note = "ICMP ping socket";
    r.gateway = g;
    return r;
}

// The tuple of `full_report()` with element `path` replaced by `v`.
Tuple with(std::vector<std::size_t> path, Value v) {
    Tuple t = encode_weather_report(full_report());
    Value* at = &t[path[0]];
    for (std::size_t i = 1; i < path.size(); ++i)
        at = &std::get<List>(at->v)[path[i]];
    *at = std::move(v);
    return t;
}

} // namespace

TEST(WeatherNames, ClassesRoundTripAndNothingElseParses) {
    EXPECT_EQ(all_activity_classes().size(), 6u);
    for (auto c : all_activity_classes())
        EXPECT_EQ(parse_activity_class(to_string(c)), c);
    EXPECT_EQ(to_string(ActivityClass::live_stream), "live-stream");
    EXPECT_EQ(to_string(ActivityClass::on_demand_stream), "on-demand-stream");
    EXPECT_FALSE(parse_activity_class("live_stream"));
    EXPECT_FALSE(parse_activity_class("Live-Stream"));
    EXPECT_FALSE(parse_activity_class(""));
    EXPECT_EQ(to_string(Verdict::congested), "congested");
    EXPECT_EQ(to_string(CapacitySource::observed), "observed");
}

TEST(WeatherNames, DefaultPrioritiesAreTheDocumentedOrder) {
    EXPECT_EQ(default_priority(ActivityClass::interactive), 7);
    EXPECT_EQ(default_priority(ActivityClass::live_stream), 6);
    EXPECT_EQ(default_priority(ActivityClass::on_demand_stream), 5);
    EXPECT_EQ(default_priority(ActivityClass::bulk_download), 2);
    EXPECT_EQ(default_priority(ActivityClass::bulk_upload), 2);
    EXPECT_EQ(default_priority(ActivityClass::backup), 1);
    // A normal bulk job yields to streams, not to another normal bulk job; a low one also
    // yields to normal ones.
    EXPECT_GT(default_priority(ActivityClass::on_demand_stream), priority_normal);
    EXPECT_EQ(default_priority(ActivityClass::bulk_download), priority_normal);
    EXPECT_EQ(default_priority(ActivityClass::backup), priority_low);
}

TEST(WeatherCodec, FullReportRoundTrips) {
    auto r = full_report();
    auto d = decode_weather_report(encode_weather_report(r));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, r);
}

TEST(WeatherCodec, UnknownFiguresStayUnknownNotZero) {
    auto r = full_report();
    r.gateway->wan_up_bps.reset();
    r.gateway->rtt_now_us.reset();
    r.gateway->max_up_bps = 0; // a real zero stays zero
    auto t = encode_weather_report(r);
    EXPECT_TRUE(t[4].as<List>()[0].is<std::nullptr_t>());
    auto d = decode_weather_report(t);
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->gateway->wan_up_bps);
    EXPECT_FALSE(d->gateway->rtt_now_us);
    EXPECT_EQ(d->gateway->max_up_bps, std::optional<std::uint64_t>(0));
}

TEST(WeatherCodec, ReportWithoutGatewayOrActivitiesRoundTrips) {
    WeatherReport r;
    r.links = {{"wlan0", true, false, 0, 0}};
    auto t = encode_weather_report(r);
    ASSERT_EQ(t.size(), 5u);
    EXPECT_TRUE(t[4].is<std::nullptr_t>());
    EXPECT_EQ(decode_weather_report(t), r);
}

TEST(WeatherCodec, TheLayoutIsTheDocumentedOne) {
    auto t = encode_weather_report(full_report());
    ASSERT_EQ(t.size(), 5u);
    EXPECT_EQ(t[0], Value("media-pc"));
    EXPECT_EQ(t[1], Value(std::int64_t{5000}));
    const auto& a = t[2].as<List>()[0].as<List>();
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(a[0], Value(std::int64_t{2})); // live-stream's class byte
    EXPECT_EQ(a[1], Value(std::int64_t{6}));
    EXPECT_EQ(a[2], Value(std::int64_t{8'000'000}));
    EXPECT_EQ(a[3], Value("tv"));
    const auto& l = t[3].as<List>()[0].as<List>();
    ASSERT_EQ(l.size(), 5u);
    EXPECT_EQ(l[1], Value(true));
    EXPECT_EQ(t[4].as<List>().size(), 8u);
}

TEST(WeatherCodec, EveryBoundRejectsTheWholeReport) {
    struct Case {
        const char* what;
        Tuple t;
    };
    std::vector<Case> cases = {
        {"unknown class 0", with({2, 0, 0}, std::int64_t{0})},
        {"unknown class 7", with({2, 0, 0}, std::int64_t{7})},
        {"priority 8", with({2, 0, 1}, std::int64_t{8})},
        {"priority -1", with({2, 0, 1}, std::int64_t{-1})},
        {"declared rate beyond 1 Tbit/s", with({2, 0, 2}, std::int64_t{1'000'000'000'001})},
        {"negative rate", with({3, 0, 3}, std::int64_t{-1})},
        {"link rate beyond 1 Tbit/s", with({3, 0, 4}, std::int64_t{1'000'000'000'001})},
        {"label of 256 bytes", with({2, 0, 3}, std::string(256, 'x'))},
        {"name of 256 bytes", with({0}, std::string(256, 'x'))},
        {"label as bytes", with({2, 0, 3}, Bytes{})},
        {"class as string", with({2, 0, 0}, "live-stream")},
        {"ipv4 as int", with({3, 0, 1}, std::int64_t{1})},
        {"interval 999 ms", with({1}, std::int64_t{999})},
        {"interval 600001 ms", with({1}, std::int64_t{600'001})},
        {"activities not a list", with({2}, std::int64_t{0})},
        {"activity of 3 values",
         with({2, 0}, List{std::int64_t{1}, std::int64_t{1}, std::int64_t{0}})},
        {"gateway as int", with({4}, std::int64_t{0})},
        {"gateway of 7 values", with({4}, List(7, Value(nullptr)))},
        {"gateway note null", with({4, 4}, nullptr)},
        {"rtt beyond 60 s", with({4, 5}, std::int64_t{60'000'001})},
        {"rtt negative", with({4, 6}, std::int64_t{-1})},
        {"max rate as float", with({4, 2}, 1e7)},
    };
    {
        Tuple t = encode_weather_report(full_report());
        t.emplace_back(nullptr);
        cases.push_back({"6 values", t});
        t.resize(4);
        cases.push_back({"4 values", t});
    }
    {
        auto r = full_report();
        r.activities.assign(17, r.activities[0]);
        cases.push_back({"17 activities", encode_weather_report(r)});
        r = full_report();
        r.links.assign(5, r.links[0]);
        cases.push_back({"5 links", encode_weather_report(r)});
    }
    for (const auto& c : cases)
        EXPECT_FALSE(decode_weather_report(c.t)) << c.what;
    // The bounds themselves are allowed.
    auto r = full_report();
    r.activities.assign(16, {ActivityClass::backup, 7, 1'000'000'000'000, std::string(255, 'x')});
    r.links.assign(4, r.links[0]);
    r.name = std::string(255, 'n');
    r.interval_ms = 600'000;
    r.gateway->rtt_now_us = 60'000'000;
    EXPECT_EQ(decode_weather_report(encode_weather_report(r)), r);
    r.interval_ms = 1000;
    EXPECT_TRUE(decode_weather_report(encode_weather_report(r)));
}

TEST(WeatherAnonymous, LeavesNamesOutAndRoundsRates) {
    auto r = full_report();
    r.activities[0].rate_bps = 8'347'112;
    r.links[0].up_bps = 1'249'999;
    r.links[0].down_bps = 95;
    auto a = anonymized(r);
    EXPECT_EQ(a.name, "");
    EXPECT_EQ(a.activities[0].label, "");
    EXPECT_EQ(a.links[0].interface, "");
    EXPECT_EQ(a.activities[0].rate_bps, 8'300'000u);
    EXPECT_EQ(a.links[0].up_bps, 1'200'000u);
    EXPECT_EQ(a.links[0].down_bps, 95u);
    EXPECT_EQ(a.activities[0].cls, ActivityClass::live_stream);
    EXPECT_EQ(a.activities[0].priority, 6);
    EXPECT_EQ(a.gateway, r.gateway);
    EXPECT_EQ(anonymized(r).activities[1].rate_bps, 0u);
    r.links[0].up_bps = 9'960'000; // rounds up across a power of ten
    EXPECT_EQ(anonymized(r).links[0].up_bps, 10'000'000u);
}

TEST(WeatherGrade, BufferbloatTable) {
    EXPECT_EQ(delay_grade(0), "A+");
    EXPECT_EQ(delay_grade(4'999), "A+");
    EXPECT_EQ(delay_grade(5'000), "A");
    EXPECT_EQ(delay_grade(29'999), "A");
    EXPECT_EQ(delay_grade(30'000), "B");
    EXPECT_EQ(delay_grade(60'000), "C");
    EXPECT_EQ(delay_grade(199'999), "C");
    EXPECT_EQ(delay_grade(200'000), "D");
    EXPECT_EQ(delay_grade(399'999), "D");
    EXPECT_EQ(delay_grade(400'000), "F");
    EXPECT_EQ(delay_grade(4'000'000'000u), "F");
}

TEST(WeatherText, Rates) {
    EXPECT_EQ(rate_text(0), "0 bit/s");
    EXPECT_EQ(rate_text(999), "999 bit/s");
    EXPECT_EQ(rate_text(1000), "1 kbit/s");
    EXPECT_EQ(rate_text(1500), "1.5 kbit/s");
    EXPECT_EQ(rate_text(512'000), "512 kbit/s");
    EXPECT_EQ(rate_text(999'499), "999 kbit/s");
    EXPECT_EQ(rate_text(999'500), "1 Mbit/s");
    EXPECT_EQ(rate_text(8'000'000), "8 Mbit/s");
    EXPECT_EQ(rate_text(1'540'000), "1.5 Mbit/s");
    EXPECT_EQ(rate_text(11'000'000), "11 Mbit/s");
    EXPECT_EQ(rate_text(11'400'000), "11 Mbit/s");
    EXPECT_EQ(rate_text(2'500'000'000), "2.5 Gbit/s");
    EXPECT_EQ(detail::percent_text(0.924), "92 %");
    EXPECT_EQ(detail::percent_text(1.5), "150 %");
}
