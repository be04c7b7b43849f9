// `mcast ping --speed`: one stream at --rate, or with --find-max a search for the highest rate
// that every responder receives with loss under the threshold. Says when the limit was this
// machine's signing CPU rather than the network.
#include "commands.hpp"
#include "node_options.hpp"
#include "printers.hpp"
#include "progress_ticker.hpp"

#include <mcast/speed_test.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

namespace mcast::cli {

namespace json = boost::json;

namespace {

bool interrupted = false; // SIGINT/SIGTERM during a trial: no further trials

// "1000", "20k", "50Mbit", "1Gbit", "max" -> datagrams per second (0 = max).
double parse_rate(const std::string& text, std::size_t size) {
    if (text == "max") return 0;
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = text.substr(used);
    std::transform(unit.begin(), unit.end(), unit.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    double mult = 1;
    bool bits = false;
    if (!unit.empty() && (unit[0] == 'k' || unit[0] == 'm' || unit[0] == 'g')) {
        mult = unit[0] == 'k' ? 1e3 : unit[0] == 'm' ? 1e6 : 1e9;
        unit.erase(0, 1);
    }
    if (unit == "bit" || unit == "bps" || unit == "bit/s")
        bits = true;
    else if (!(unit.empty() || unit == "pps" || unit == "/s"))
        used = 0;
    if (used == 0 || !(v > 0) || !std::isfinite(v))
        throw UsageError("--rate: bad value '" + text +
                         "' (expected datagrams/s like 1000 or 20k, bits/s like 50Mbit, or max)");
    double pps = v * mult;
    if (bits) pps /= 8.0 * static_cast<double>(size);
    return pps;
}

struct Trial {
    SpeedResult result;
    double worst_loss = 100;
};

Trial run_trial(const ParsedArgs& args, Output& out, const Identity& id, SpeedConfig cfg) {
    boost::asio::io_context io;
    // Each trial is its own session: a fresh incarnation and fresh replay state everywhere.
    auto sopts = session_options(args);
    Session session(io, id.clone(), std::move(sopts));
    session.start();
    if (session.interfaces().empty())
        throw SessionError("no usable interface (none is up with multicast and an address)");
    SpeedSender sender(session, cfg);
    Trial t;
    sender.on_done([&](const SpeedResult& r) {
        t.result = r;
        io.stop();
    });
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (ec) return;
        interrupted = true;
        io.stop();
    });
    {
        // On a terminal: the running count and rate.
        const auto started = std::chrono::steady_clock::now();
        ProgressTicker ticker(io, out, [&] {
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
        io.run();
    }
    if (!t.result.reports.empty() && t.result.sent > 0) {
        t.worst_loss = 0;
        for (const auto& [_, rep] : t.result.reports) {
            auto lost = t.result.sent - std::min(rep.received, t.result.sent);
            t.worst_loss = std::max(t.worst_loss, 100.0 * static_cast<double>(lost) /
                                                      static_cast<double>(t.result.sent));
        }
    }
    return t;
}

json::object trial_json(const Trial& t, const SpeedConfig& cfg) {
    json::array receivers;
    for (const auto& [who, r] : t.result.reports) {
        double span = static_cast<double>(r.last_rx_ns - r.first_rx_ns) / 1e9;
        double rate = span > 0 ? static_cast<double>(r.received - 1) / span : 0;
        std::int64_t lost = std::max<std::int64_t>(0, t.result.sent - r.received);
        receivers.push_back(
            json::object{{"id", who},
                         {"name", r.name},
                         {"received", r.received},
                         {"lost", lost},
                         {"loss_percent", t.result.sent ? 100.0 * static_cast<double>(lost) /
                                                              static_cast<double>(t.result.sent)
                                                        : 0.0},
                         {"reordered", r.reordered},
                         {"jitter_ms", static_cast<double>(r.jitter_ns) / 1e6},
                         {"rate_pps", rate},
                         {"mbit_per_s", rate * static_cast<double>(cfg.size) * 8 / 1e6}});
    }
    return {{"type", "speed"},
            {"rate_requested", cfg.rate},
            {"size", cfg.size},
            {"sent", t.result.sent},
            {"seconds", t.result.seconds},
            {"rate_sent", t.result.sent_rate},
            {"sender_limited", t.result.sender_limited},
            {"receivers", std::move(receivers)}};
}

void print_trial(Output& out, const Trial& t, const SpeedConfig& cfg) {
    if (out.json()) {
        out.record(trial_json(t, cfg));
        return;
    }
    auto j = trial_json(t, cfg);
    out.line(fmt::format("speed: {} datagrams of {} B in {:.2f} s: {:.0f}/s ({:.1f} Mbit/s){}",
                         t.result.sent, cfg.size, t.result.seconds, t.result.sent_rate,
                         t.result.sent_rate * static_cast<double>(cfg.size) * 8 / 1e6,
                         cfg.rate > 0 ? fmt::format(", asked {:.0f}/s", cfg.rate)
                                      : ", as fast as possible"));
    if (j.at("receivers").as_array().empty()) out.line("  no responder reported");
    for (const auto& v : j.at("receivers").as_array()) {
        const auto& r = v.as_object();
        out.line(fmt::format("  {:<16} {}  received {:>8}  lost {:>7} ({:5.2f}%)  reordered {:>5}  "
                             "jitter {:.3f} ms  {:.0f}/s",
                             escape_text(std::string(r.at("name").as_string())),
                             std::string(r.at("id").as_string()).substr(0, 12),
                             r.at("received").as_int64(), r.at("lost").as_int64(),
                             r.at("loss_percent").to_number<double>(), r.at("reordered").as_int64(),
                             r.at("jitter_ms").to_number<double>(),
                             r.at("rate_pps").to_number<double>()));
    }
    if (t.result.sender_limited && cfg.rate > 0)
        out.note(fmt::format("this machine sent only {:.0f} of the {:.0f} datagrams/s asked: the "
                             "figure is limited by its CPU (signing), not by the network",
                             t.result.sent_rate, cfg.rate));
}

} // namespace

int run_ping_speed(const ParsedArgs& args, Output& out) {
    SpeedConfig cfg;
    cfg.size = static_cast<std::size_t>(args.number("size").value_or(512));
    if (cfg.size < 160) throw UsageError("--size: bad value (at least 160 bytes with --speed)");
    cfg.rate = parse_rate(args.value("rate").value_or("1000"), cfg.size);
    cfg.duration = args.duration("duration").value_or(std::chrono::seconds(2));
    cfg.family = args.flag("ipv6") && !args.flag("ipv4") ? 6 : 4;
    double threshold = static_cast<double>(args.number("max-loss").value_or(1));
    auto id = load_identity(args, out);

    if (!args.flag("find-max")) {
        auto t = run_trial(args, out, id, cfg);
        print_trial(out, t, cfg);
        if (t.result.reports.empty()) return exit_nothing;
        // With --max-loss, a receiver over the bound fails the run, as in latency mode.
        return args.given("max-loss") && t.worst_loss > threshold ? exit_nothing : exit_ok;
    }

    // Find the highest rate with loss under the threshold: double from 1000/s until loss or
    // the sender's own limit, then bisect between the last good and the first bad rate.
    double good = 0, bad = 0;
    bool sender_bound = false;
    double rate = 1000;
    for (int step = 0; step < 20; ++step) {
        cfg.rate = rate;
        auto t = run_trial(args, out, id, cfg);
        if (interrupted) break; // report the best rate so far
        print_trial(out, t, cfg);
        // No report at all: nobody there (first trial), or receivers that drowned (later).
        if (t.result.reports.empty() && step == 0) return exit_nothing;
        bool ok = !t.result.reports.empty() && t.worst_loss <= threshold;
        if (t.result.sender_limited) {
            sender_bound = true;
            if (ok) good = std::max(good, t.result.sent_rate);
            bad = bad > 0 ? std::min(bad, rate) : rate;
        } else if (ok) {
            good = std::max(good, rate);
        } else {
            bad = bad > 0 ? std::min(bad, rate) : rate;
        }
        if (bad == 0)
            rate *= 2;
        else if (bad - good <= std::max(0.05 * bad, 50.0))
            break;
        else
            rate = (good + bad) / 2;
    }
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
