// Round trips to the default gateway: the delay now and its floor, as LEDBAT (RFC 6817 section
// 2.4.1) keeps a base delay: the minimum of each minute, over the last ten minutes, so the floor
// follows a route change within ten minutes and one idle moment a minute is enough to see it.
// Queueing delay = now - floor. Sans-IO: the prober passes each result with its time.
//
//   RttTracker rtt;
//   rtt.add(1450, now);   // a reply after 1.45 ms
//   rtt.timeout(now);     // no reply in time
//   if (auto q = rtt.queueing_us()) ...
#pragma once

#include <mcast/mono_time.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>

namespace mcast {

class RttTracker {
public:
    struct Config {
        std::size_t recent = 5; // now_us() is the median of this many samples
        std::chrono::milliseconds recent_max_age{10000}; // older samples no longer count as "now"
        std::chrono::milliseconds bucket{60000};         // the floor keeps one minimum per bucket
        std::size_t buckets = 10;                        // over this many buckets
    };

    RttTracker() : RttTracker(Config{}) {}
    explicit RttTracker(Config cfg) : cfg_(cfg) {}

    void add(std::uint32_t rtt_us, MonoTime now);
    void timeout(MonoTime now);

    // The median of the last `recent` round trips no older than recent_max_age at `now`; none
    // without such samples (the prober stopped, or every probe timed out).
    std::optional<std::uint32_t> now_us(MonoTime now) const;
    // The least round trip of the last `buckets` buckets; none before the first sample.
    std::optional<std::uint32_t> floor_us() const;
    // now_us - floor_us (0 when now is the floor); none when either is unknown.
    std::optional<std::uint32_t> queueing_us(MonoTime now) const;

    std::uint64_t samples() const { return samples_; }
    std::uint64_t timeouts() const { return timeouts_; }

private:
    struct Sample {
        MonoTime at;
        std::uint32_t us;
    };
    struct Bucket {
        MonoTime start;
        std::uint32_t min_us;
    };
    Config cfg_;
    std::deque<Sample> recent_;
    std::deque<Bucket> buckets_;
    std::uint64_t samples_ = 0, timeouts_ = 0;
};

} // namespace mcast
