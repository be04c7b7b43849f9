// What a speed test means, sans-IO: the figures of each receiver's report (loss, rate, Mbit/s)
// and the search of `mcast ping --speed --find-max` for the highest rate every receiver takes
// with loss under a threshold. The Asio side (SpeedSender) runs the trials; the CLI prints.
//   RateSearch search(1.0);
//   while (auto rate = search.next_rate()) search.record(run_trial_at(*rate));
//   search.best_rate(); search.limited_by_sender();
#pragma once

#include <mcast/export.hpp>
#include <mcast/speed.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcast {

// One receiver's report of a stream of `sent` datagrams of `size` bytes.
struct ReceiverFigures {
    std::int64_t received = 0;
    std::int64_t lost = 0; // sent - received, never below 0
    double loss_percent = 0;
    // How `lost` splits: dropped by the receiver's own kernel (its receive queue was full: the
    // receiver read too slowly), dropped by the receiver from a backlog it read too late, and
    // the rest, lost on the network (the receiver's figures are clamped so that the three add
    // up to `lost`). Its figures are nullopt when its report does not carry them (an older
    // version): then all of `lost` counts as the network's.
    std::optional<std::int64_t> kernel_drops;
    std::optional<std::int64_t> backlog_drops;
    double kernel_drop_percent = 0;
    double backlog_drop_percent = 0;
    std::int64_t network_lost = 0;
    double network_loss_percent = 0;
    // The receiver dropped more (kernel and backlog) than the network lost: the receiver, not
    // the network, set the limit.
    bool receiver_limited = false;
    std::int64_t reordered = 0;
    double jitter_ms = 0;
    double rate_pps = 0; // datagrams per second between its first and last arrival
    double mbit_per_s = 0;
};
MCAST_API ReceiverFigures receiver_figures(const SpeedReport& report, std::int64_t sent,
                                           std::size_t size);

// The highest loss over the receivers, in percent; 100 when none reported or nothing was sent.
MCAST_API double worst_loss_percent(const std::map<std::string, SpeedReport>& reports,
                                    std::int64_t sent);
// Whether the receiver with the highest loss lost mostly to its own drops, kernel and backlog
// (ReceiverFigures::receiver_limited): then a slow receiver, not the network, set the limit.
MCAST_API bool worst_receiver_limited(const std::map<std::string, SpeedReport>& reports,
                                      std::int64_t sent);

// What a script set for one stream (`mcast ping --speed`): each receiver within --max-loss, at
// least --expect of them reporting, and every --peer among them.
struct SpeedBounds {
    std::optional<double> max_loss_percent = {};
    std::size_t expect = 0; // 0: any number, but at least one
};

struct SpeedReceiverVerdict {
    std::string id, name;
    ReceiverFigures figures;
    bool ok = true; // loss within the bound (always, without one)
};

struct SpeedVerdict {
    enum class Why {
        none,
        nobody,   // no receiver reported
        missing,  // a --peer did not report (missing)
        too_few,  // fewer than bounds.expect reported
        too_lossy // a receiver lost more than the bound (the receivers that did: !ok)
    };
    bool ok = false;
    Why why = Why::none;
    std::vector<SpeedReceiverVerdict> receivers; // every report, by name (unnamed last) then id
    std::vector<std::string> missing;            // --peer arguments that did not report
    std::size_t ok_count = 0;                    // receivers within the bound
    std::size_t expected = 0;                    // bounds.expect
};

// Judges one stream: `reports` the receivers that count (the caller keeps only its --peer
// ones), `missing` the --peer arguments none of them matched. Every failing receiver is kept
// with its figures, so that each can be named; missing peers outrank too few, too few outranks
// loss.
MCAST_API SpeedVerdict judge_speed(const std::map<std::string, SpeedReport>& reports,
                                   std::int64_t sent, std::size_t size, const SpeedBounds& bounds,
                                   std::vector<std::string> missing = {});

// How one trial went, as RateSearch needs it.
struct SpeedTrial {
    double rate = 0;         // asked, datagrams per second
    bool reported = false;   // some receiver reported
    double worst_loss = 100; // worst_loss_percent()
    bool sender_limited = false;
    double sent_rate = 0;          // datagrams per second really sent
    bool receiver_limited = false; // worst_receiver_limited()
};

// Doubles the rate from first_rate until a trial loses more than the threshold or the sender
// cannot keep up, then bisects between the last good and the first bad rate, until they are
// within 5 % (at least 50/s) or after max_trials.
class MCAST_API RateSearch {
public:
    explicit RateSearch(double loss_threshold_percent, double first_rate = 1000,
                        int max_trials = 20);
    // The rate of the next trial, or nullopt when the search is over.
    std::optional<double> next_rate() const;
    void record(const SpeedTrial& trial);

    // The first trial had no report: nobody answers (the search is over).
    bool nobody() const { return nobody_; }
    // The highest rate with loss under the threshold (0: none).
    double best_rate() const { return good_; }
    // Whether the lowest lossy rate lost mostly to a receiver's own drops (a receiver too slow
    // to read or verify), not to the network: it set the limit, even where this machine could
    // not keep some rate either.
    bool limited_by_receiver() const { return receiver_bound_; }
    // Whether this machine's sending (signing) CPU, not the receivers, set the limit: it could
    // not keep some rate, and no receiver's own drops set the limit first.
    bool limited_by_sender() const { return sender_bound_ && !receiver_bound_; }

private:
    double threshold_;
    double rate_;
    int trials_left_;
    int trials_ = 0;
    double good_ = 0, bad_ = 0;
    bool sender_bound_ = false;
    bool receiver_bound_ = false;
    bool nobody_ = false;
    bool done_ = false;
};

} // namespace mcast
