// When a speed responder answers a test's end marker with its report (docs/protocol.md section
// 10). Once per state of its counters (`received`, and its drops when the marker asks for them),
// so that the end markers the sender repeats, and stray or replayed ones, cost next to nothing;
// and once more without news when a second has passed since its last report, because a report
// lost on its way (an address resolution that failed three times under loss) would otherwise
// never be sent again: at most one repeat a second per test. Sans-IO: time is passed in.
//
//   if (rule.should_answer(received, drops_if_asked, now) && send(report))
//       rule.answered(received, drops_if_asked, now);
#pragma once

#include <mcast/mono_time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace mcast {

// What a responder dropped because it was too slow (SpeedReport::kernel_drops, backlog_drops).
struct SpeedDrops {
    std::uint64_t kernel = 0, backlog = 0;
    bool operator==(const SpeedDrops&) const = default;
    SpeedDrops operator-(const SpeedDrops& o) const {
        return {kernel - o.kernel, backlog - o.backlog};
    }
};

class SpeedAnswerRule {
public:
    // The same report, unchanged, goes out again no sooner than this after the last one.
    static constexpr std::chrono::seconds repeat_after{1};

    // An end marker at `now`, with the counters as they are: `drops` set when the marker asks
    // for them.
    bool should_answer(std::int64_t received, const std::optional<SpeedDrops>& drops,
                       MonoTime now) const {
        if (!last_ || received != reported_) return true;
        if (drops && drops != reported_drops_) return true;
        return now - *last_ >= repeat_after;
    }
    // The report went out at `now`.
    void answered(std::int64_t received, const std::optional<SpeedDrops>& drops, MonoTime now) {
        reported_ = received;
        if (drops) reported_drops_ = drops;
        last_ = now;
    }

private:
    std::int64_t reported_ = -1;
    std::optional<SpeedDrops> reported_drops_; // those of the last report that carried them
    std::optional<MonoTime> last_;             // when the last report went out
};

} // namespace mcast
