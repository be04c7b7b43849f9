// `mcast ping --speed`: one stream at --rate, or with --find-max the library's search for the
// highest rate that every responder receives with loss under the threshold (speed_search.hpp).
// Says when the limit was this machine's signing CPU rather than the network.
#include "commands.hpp"
#include "node_options.hpp"
#include "printers.hpp"
#include "progress_ticker.hpp"
#include "run_loop.hpp"

#include <mcast/speed_search.hpp>
#include <mcast/speed_test.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {

namespace json = boost::json;

namespace {

bool interrupted = false; // SIGINT/SIGTERM during a trial: no further trials

SpeedResult run_trial(const ParsedArgs& args, Output& out, const Identity& id, SpeedConfig cfg) {
    RunLoop loop;
    // Each trial is its own session: a fresh incarnation and fresh replay state everywhere.
    Session& session = loop.open_session(id.clone(), session_options(args));
    loop.start_session_or_throw("no usable interface (none is up with multicast and an address)");
    SpeedSender sender(session, cfg);
    SpeedResult result;
    sender.on_done([&](const SpeedResult& r) {
        result = r;
        loop.finish();
    });
    loop.on_interrupt([&] {
        interrupted = true;
        loop.finish();
    });
    {
        // On a terminal: the running count and rate.
        const auto started = std::chrono::steady_clock::now();
        ProgressTicker ticker(loop.io(), out, [&] {
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            const double sending = std::chrono::duration<double>(cfg.duration).count();
            const auto sent = sender.sent();
            if (elapsed > sending)
                return fmt::format("speed: {} sent in {:.1f} s; waiting for the receivers' "
                                   "reports",
                                   sent, sending);
            return fmt::format("speed: {} sent in {:.1f} s, {:.0f}/s (asked {})", sent, elapsed,
                               elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0,
                               cfg.rate > 0 ? fmt::format("{:.0f}/s", cfg.rate) : "max");
        });
        sender.start();
        loop.run();
    }
    return result;
}

json::object trial_json(const SpeedResult& t, const SpeedConfig& cfg) {
    json::array receivers;
    for (const auto& [who, r] : t.reports) {
        const ReceiverFigures f = receiver_figures(r, t.sent, cfg.size);
        receivers.push_back(json::object{{"id", who},
                                         {"name", r.name},
                                         {"received", f.received},
                                         {"lost", f.lost},
                                         {"loss_percent", f.loss_percent},
                                         {"reordered", f.reordered},
                                         {"jitter_ms", f.jitter_ms},
                                         {"rate_pps", f.rate_pps},
                                         {"mbit_per_s", f.mbit_per_s}});
    }
    return {{"type", "speed"},
            {"rate_requested", cfg.rate},
            {"size", cfg.size},
            {"sent", t.sent},
            {"seconds", t.seconds},
            {"rate_sent", t.sent_rate},
            {"sender_limited", t.sender_limited},
            {"receivers", std::move(receivers)}};
}

void print_trial(Output& out, const SpeedResult& t, const SpeedConfig& cfg) {
    if (out.json()) {
        out.record(trial_json(t, cfg));
        return;
    }
    out.line(fmt::format(
        "speed: {} datagrams of {} B in {:.2f} s: {:.0f}/s ({:.1f} Mbit/s){}", t.sent, cfg.size,
        t.seconds, t.sent_rate, t.sent_rate * static_cast<double>(cfg.size) * 8 / 1e6,
        cfg.rate > 0 ? fmt::format(", asked {:.0f}/s", cfg.rate) : ", as fast as possible"));
    if (t.reports.empty()) out.line("  no responder reported");
    for (const auto& [who, r] : t.reports) {
        const ReceiverFigures f = receiver_figures(r, t.sent, cfg.size);
        out.line(fmt::format("  {:<16} {}  received {:>8}  lost {:>7} ({:5.2f}%)  reordered {:>5}  "
                             "jitter {:.3f} ms  {:.0f}/s",
                             escape_text(r.name), who.substr(0, 12), f.received, f.lost,
                             f.loss_percent, f.reordered, f.jitter_ms, f.rate_pps));
    }
    if (t.sender_limited && cfg.rate > 0)
        out.note(fmt::format("this machine sent only {:.0f} of the {:.0f} datagrams/s asked: the "
                             "figure is limited by its CPU (signing), not by the network",
                             t.sent_rate, cfg.rate));
}

} // namespace

int run_ping_speed(const ParsedArgs& args, Output& out) {
    SpeedConfig cfg; // what the table leaves unset (rate, duration, size) comes from here
    if (auto size = args.number("size")) cfg.size = static_cast<std::size_t>(*size);
    if (cfg.size < 160) throw UsageError("--size: bad value (at least 160 bytes with --speed)");
    if (auto rate = args.rate("rate")) cfg.rate = rate->datagrams_per_second(cfg.size);
    if (auto duration = args.duration("duration")) cfg.duration = *duration;
    cfg.family = args.flag("ipv6") && !args.flag("ipv4") ? 6 : 4;
    double threshold = static_cast<double>(args.number("max-loss").value_or(1));
    auto id = load_identity(args, out);

    if (!args.flag("find-max")) {
        auto t = run_trial(args, out, id, cfg);
        print_trial(out, t, cfg);
        if (t.reports.empty()) return exit_nothing;
        // With --max-loss, a receiver over the bound fails the run, as in latency mode.
        return args.given("max-loss") && worst_loss_percent(t.reports, t.sent) > threshold
                   ? exit_nothing
                   : exit_ok;
    }

    RateSearch search(threshold);
    while (auto rate = search.next_rate()) {
        cfg.rate = *rate;
        auto t = run_trial(args, out, id, cfg);
        if (interrupted) break; // report the best rate so far
        print_trial(out, t, cfg);
        search.record({.rate = *rate,
                       .reported = !t.reports.empty(),
                       .worst_loss = worst_loss_percent(t.reports, t.sent),
                       .sender_limited = t.sender_limited,
                       .sent_rate = t.sent_rate});
        if (search.nobody()) return exit_nothing;
    }
    const double good = search.best_rate();
    const bool sender_bound = search.limited_by_sender();
    double mbps = good * static_cast<double>(cfg.size) * 8 / 1e6;
    if (out.json()) {
        out.record({{"type", "speed_max"},
                    {"rate_pps", good},
                    {"mbit_per_s", mbps},
                    {"size", cfg.size},
                    {"loss_threshold_percent", threshold},
                    {"limited_by", sender_bound ? "sender_cpu" : "loss"}});
    } else {
        out.line(fmt::format(
            "highest rate with loss <= {}%: {:.0f} datagrams/s ({:.1f} Mbit/s at {} B){}",
            threshold, good, mbps, cfg.size,
            sender_bound ? " (limited by this machine's signing CPU)" : ""));
    }
    return good > 0 ? exit_ok : exit_nothing;
}

} // namespace mcast::cli
