// Speed test figures and the rate search; see speed_search.hpp.
#include <mcast/speed_search.hpp>

#include <algorithm>
#include <tuple>

namespace mcast {

ReceiverFigures receiver_figures(const SpeedReport& r, std::int64_t sent, std::size_t size) {
    ReceiverFigures f;
    const double span = static_cast<double>(r.last_rx_ns - r.first_rx_ns) / 1e9;
    f.received = r.received;
    f.rate_pps = span > 0 ? static_cast<double>(r.received - 1) / span : 0;
    f.lost = std::max<std::int64_t>(0, sent - r.received);
    f.loss_percent = sent ? 100.0 * static_cast<double>(f.lost) / static_cast<double>(sent) : 0.0;
    f.kernel_drops = r.kernel_drops;
    f.backlog_drops = r.backlog_drops;
    const auto kernel = std::clamp<std::int64_t>(r.kernel_drops.value_or(0), 0, f.lost);
    const auto backlog = std::clamp<std::int64_t>(r.backlog_drops.value_or(0), 0, f.lost - kernel);
    f.network_lost = f.lost - kernel - backlog;
    if (sent > 0) {
        const auto percent = [&](std::int64_t n) {
            return 100.0 * static_cast<double>(n) / static_cast<double>(sent);
        };
        f.kernel_drop_percent = percent(kernel);
        f.backlog_drop_percent = percent(backlog);
        f.network_loss_percent = percent(f.network_lost);
    }
    f.receiver_limited = kernel + backlog > 0 && kernel + backlog > f.network_lost;
    f.reordered = r.reordered;
    f.jitter_ms = static_cast<double>(r.jitter_ns) / 1e6;
    f.mbit_per_s = f.rate_pps * static_cast<double>(size) * 8 / 1e6;
    return f;
}

double worst_loss_percent(const std::map<std::string, SpeedReport>& reports, std::int64_t sent) {
    if (reports.empty() || sent <= 0) return 100;
    double worst = 0;
    for (const auto& [_, rep] : reports) {
        const auto lost = sent - std::min(rep.received, sent);
        worst = std::max(worst, 100.0 * static_cast<double>(lost) / static_cast<double>(sent));
    }
    return worst;
}

bool worst_receiver_limited(const std::map<std::string, SpeedReport>& reports, std::int64_t sent) {
    const SpeedReport* worst = nullptr;
    for (const auto& [_, rep] : reports)
        if (!worst || rep.received < worst->received) worst = &rep;
    return worst && receiver_figures(*worst, sent, 0).receiver_limited;
}

SpeedVerdict judge_speed(const std::map<std::string, SpeedReport>& reports, std::int64_t sent,
                         std::size_t size, const SpeedBounds& bounds,
                         std::vector<std::string> missing) {
    SpeedVerdict v;
    v.expected = bounds.expect;
    v.missing = std::move(missing);
    for (const auto& [id, report] : reports) {
        SpeedReceiverVerdict r{id, report.name, receiver_figures(report, sent, size), true};
        r.ok = !bounds.max_loss_percent || r.figures.loss_percent <= *bounds.max_loss_percent;
        if (r.ok) ++v.ok_count;
        v.receivers.push_back(std::move(r));
    }
    std::sort(v.receivers.begin(), v.receivers.end(), [](const auto& a, const auto& b) {
        if (a.name.empty() != b.name.empty()) return b.name.empty();
        return std::tie(a.name, a.id) < std::tie(b.name, b.id);
    });
    if (!v.missing.empty())
        v.why = SpeedVerdict::Why::missing;
    else if (bounds.expect && reports.size() < bounds.expect)
        v.why = SpeedVerdict::Why::too_few;
    else if (reports.empty())
        v.why = SpeedVerdict::Why::nobody;
    else if (v.ok_count < v.receivers.size())
        v.why = SpeedVerdict::Why::too_lossy;
    v.ok = v.why == SpeedVerdict::Why::none;
    return v;
}

RateSearch::RateSearch(double loss_threshold_percent, double first_rate, int max_trials)
    : threshold_(loss_threshold_percent), rate_(first_rate), trials_left_(max_trials) {}

std::optional<double> RateSearch::next_rate() const {
    if (done_ || trials_left_ <= 0) return std::nullopt;
    return rate_;
}

void RateSearch::record(const SpeedTrial& t) {
    if (done_) return;
    --trials_left_;
    // No report at all: nobody there (first trial), or receivers that drowned (later).
    const bool first = trials_++ == 0;
    if (!t.reported && first) {
        nobody_ = done_ = true;
        return;
    }
    const bool ok = t.reported && t.worst_loss <= threshold_;
    const auto lower_bad = [&] {
        if (bad_ == 0 || t.rate <= bad_) receiver_bound_ = t.receiver_limited;
        bad_ = bad_ > 0 ? std::min(bad_, t.rate) : t.rate;
    };
    if (t.sender_limited) {
        sender_bound_ = true;
        if (ok) good_ = std::max(good_, t.sent_rate);
        lower_bad();
    } else if (ok) {
        good_ = std::max(good_, t.rate);
    } else {
        lower_bad();
    }
    if (bad_ == 0)
        rate_ *= 2;
    else if (bad_ - good_ <= std::max(0.05 * bad_, 50.0))
        done_ = true;
    else
        rate_ = (good_ + bad_) / 2;
}

} // namespace mcast
