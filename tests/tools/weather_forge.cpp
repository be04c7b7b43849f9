// mcast-weather-forge: a test tool that prints (as hex, for mcast-inject) weather_report datagrams
// a hostile or broken node could send, signed with a key file of the test's: a live-stream
// report dated in the past (what a captured report replayed later looks like to a receiver),
// absurd rates, an unknown class byte, and a report whose signature does not verify. Not part of
// the product; its datagrams only ever travel inside a lab.
//   mcast-weather-forge KEYFILE old-live-stream|absurd|unknown-class|bad-signature [AGE_S]
#include <mcast/identity.hpp>
#include <mcast/weather.hpp>
#include <mcast/wire.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mcast;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: mcast-weather-forge KEYFILE KIND [AGE_S]\n");
        return 2;
    }
    const std::string kind = argv[2];
    const long age_s = argc > 3 ? std::atol(argv[3]) : 30;
    auto id = Identity::load(argv[1]);

    WeatherReport r;
    r.name = "forged";
    r.interval_ms = 5000;
    r.activities.push_back({ActivityClass::live_stream, 6, 8'000'000, "replayed"});
    r.links.push_back({"eth0", true, true, 8'000'000, 100'000});
    Tuple values = encode_weather_report(r);

    Header h;
    h.type = type_byte(MessageType::weather_report);
    h.incarnation =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    h.seq = 1;
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    h.timestamp_ns = now_ns;

    ByteBuffer d;
    if (kind == "old-live-stream") {
        h.timestamp_ns = now_ns - age_s * 1'000'000'000LL;
        d = encode_datagram(h, values, id);
    } else if (kind == "absurd") {
        r.links[0].up_bps = 400'000'000'000; // 400 Gbit/s out of one home's link
        r.activities[0].rate_bps = 400'000'000'000;
        d = encode_datagram(h, encode_weather_report(r), id);
    } else if (kind == "unknown-class") {
        // The first activity's class byte (field 0 of activity 0, in field 2 of the report)
        // becomes 99, which no version of the protocol defines.
        auto& activities = std::get<List>(values[2].v);
        std::get<List>(activities[0].v)[0] = Value{std::int64_t{99}};
        d = encode_datagram(h, values, id);
    } else if (kind == "bad-signature") {
        d = encode_datagram(h, values, id);
        d[d.size() - 1] ^= 0x01;
    } else {
        std::fprintf(stderr, "mcast-weather-forge: unknown kind %s\n", kind.c_str());
        return 2;
    }
    std::printf("%s\n", to_hex(d).c_str());
    return 0;
}
