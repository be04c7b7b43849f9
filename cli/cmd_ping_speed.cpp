// `mcast ping --speed`: one stream at --rate, or with --find-max the library's search for the
// highest rate that every responder receives with loss under the threshold (speed_search.hpp).
// Says when the limit was this machine's signing CPU rather than the network. The verdict
// (--max-loss, --expect, --peer) is the library's (judge_speed); options that mean nothing to a
// stream (--count, --max-rtt, --unicast-too, --interval) are refused by the option table.
#include "commands.hpp"
#include "node_options.hpp"
#include "peer_resolve.hpp"
#include "ping_printers.hpp"
#include "printers.hpp"
#include "progress_ticker.hpp"
#include "run_loop.hpp"
#include "value_json.hpp"

#include <mcast/speed_search.hpp>
#include <mcast/speed_test.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

namespace mcast::cli {

namespace json = boost::json;

namespace {

bool interrupted = false; // SIGINT/SIGTERM during a trial: no further trials

// The reports of the receivers --peer names (all without --peer); `missing` gets the --peer
// arguments that none of them matched.
std::map<std::string, SpeedReport> wanted_reports(const std::map<std::string, SpeedReport>& all,
                                                  const std::vector<PeerArg>& peers,
                                                  std::vector<std::string>* missing = nullptr) {
    std::map<std::string, SpeedReport> kept;
    for (const auto& [who, r] : all)
        if (wanted(who, r.name, peers)) kept.emplace(who, r);
    if (missing)
        for (const auto& p : peers)
            if (std::none_of(kept.begin(), kept.end(),
                             [&](const auto& k) { return matches(k.first, k.second.name, p); }))
                missing->push_back(p.given);
    return kept;
}

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

json::value optional_json(const std::optional<std::int64_t>& n) {
    if (n) return *n;
    return nullptr;
}

// What limited one stream: this host, when it refused to send; the receiver that lost most, when it
// dropped more itself (a receiver too slow to read or verify) than the network lost; else this
// machine's sending CPU when it could not keep the rate; else the network, when the receiver that
// lost most lost them on the way; or nothing (no loss).
const char* trial_limit(const SpeedResult& t, const SpeedConfig& cfg, const SpeedVerdict& v) {
    if (!t.send_failure.empty()) return "local_send"; // this host refused to send it
    const auto worst =
        std::max_element(v.receivers.begin(), v.receivers.end(), [](const auto& a, const auto& b) {
            return a.figures.lost < b.figures.lost;
        });
    const bool lossy = worst != v.receivers.end() && worst->figures.lost > 0;
    if (lossy && worst->figures.receiver_limited) return "receiver";
    if (t.sender_limited && cfg.rate > 0) return "sender_cpu";
    return lossy ? "network" : "none";
}

// "lost 1234 (16.00%): 0.40% network, 12.60% receiver's kernel, 3.00% receiver's backlog";
// without the receiver's figures (an older responder) the loss is not split.
std::string loss_text(const ReceiverFigures& f) {
    std::string s = fmt::format("lost {:>7} ({:5.2f}%)", f.lost, f.loss_percent);
    if (f.kernel_drops && f.lost > 0)
        s += fmt::format(": {:.2f}% network, {:.2f}% receiver's kernel, {:.2f}% receiver's backlog",
                         f.network_loss_percent, f.kernel_drop_percent, f.backlog_drop_percent);
    return s;
}

// A receiver as the verdict lines name it: its name, else its short id.
std::string receiver_label(const SpeedReceiverVerdict& rv) {
    return rv.name.empty() ? rv.id.substr(0, 12) : escape_text(rv.name);
}

// Why one receiver failed ("lost 30.0% > 5%"); "" when it did not.
std::string receiver_why(const SpeedReceiverVerdict& rv, const SpeedBounds& bounds) {
    if (rv.ok) return {};
    return fmt::format(
        "lost {:.1f}% > {}%{}", rv.figures.loss_percent, bounds.max_loss_percent.value_or(0),
        rv.figures.receiver_limited ? " (mostly dropped by the receiver itself: too slow)" : "");
}

json::object trial_json(const SpeedResult& t, const SpeedConfig& cfg, const SpeedVerdict& v,
                        const SpeedBounds& bounds) {
    json::array receivers;
    for (const auto& rv : v.receivers) {
        const ReceiverFigures& f = rv.figures;
        receivers.push_back(json::object{{"id", rv.id},
                                         {"name", rv.name},
                                         {"ok", rv.ok},
                                         {"received", f.received},
                                         {"lost", f.lost},
                                         {"loss_percent", f.loss_percent},
                                         {"network_lost", f.network_lost},
                                         {"network_loss_percent", f.network_loss_percent},
                                         {"kernel_drops", optional_json(f.kernel_drops)},
                                         {"kernel_drop_percent", f.kernel_drop_percent},
                                         {"backlog_drops", optional_json(f.backlog_drops)},
                                         {"backlog_drop_percent", f.backlog_drop_percent},
                                         {"receiver_limited", f.receiver_limited},
                                         {"reordered", f.reordered},
                                         {"jitter_ms", f.jitter_ms},
                                         {"rate_pps", f.rate_pps},
                                         {"mbit_per_s", f.mbit_per_s},
                                         {"why", receiver_why(rv, bounds)}});
    }
    return {{"type", "speed"},
            {"family", cfg.family},
            {"rate_requested", cfg.rate},
            {"size", cfg.size},
            {"sent", t.sent},
            {"seconds", t.seconds},
            {"rate_sent", t.sent_rate},
            {"sender_limited", t.sender_limited},
            {"limited_by", trial_limit(t, cfg, v)},
            {"receivers", std::move(receivers)},
            {"time", rfc3339_now()}};
}

void print_trial(Output& out, const SpeedResult& t, const SpeedConfig& cfg, const SpeedVerdict& v,
                 const SpeedBounds& bounds) {
    if (out.json()) {
        out.record(trial_json(t, cfg, v, bounds));
        return;
    }
    out.line(fmt::format(
        "speed: IPv{}, {} datagrams of {} B in {:.2f} s: {:.0f}/s ({:.1f} Mbit/s){}", cfg.family,
        t.sent, cfg.size, t.seconds, t.sent_rate,
        t.sent_rate * static_cast<double>(cfg.size) * 8 / 1e6,
        cfg.rate > 0 ? fmt::format(", asked {:.0f}/s", cfg.rate) : ", as fast as possible"));
    if (!t.send_failure.empty())
        out.line(fmt::format("  this host refused to send the stream: {}", t.send_failure));
    else if (v.receivers.empty())
        out.line("  no responder reported");
    for (const auto& rv : v.receivers) {
        const ReceiverFigures& f = rv.figures;
        out.line(fmt::format("  {:<16} {}  received {:>8} at {:.0f}/s  reordered {:>5}  jitter "
                             "{:.3f} ms  {}{}",
                             escape_text(rv.name), rv.id.substr(0, 12), f.received, f.rate_pps,
                             f.reordered, f.jitter_ms, loss_text(f), rv.ok ? "" : "  FAIL"));
    }
    const std::string limit = trial_limit(t, cfg, v);
    if (limit == "receiver")
        out.line("  limited by the receiver that lost most: it dropped datagrams it could not "
                 "read or verify in time (its CPU), more than the network lost");
    else if (limit == "network")
        out.line("  limited by the network: the receiver that lost most lost them on the way");
    if (t.sender_limited && cfg.rate > 0)
        out.note(fmt::format("this machine sent only {:.0f} of the {:.0f} datagrams/s asked: the "
                             "figure is limited by its CPU (signing), not by the network",
                             t.sent_rate, cfg.rate));
}

// Every reason the stream failed, the most serious first: this host could not send, receivers
// that did not report, too few reports, each receiver over --max-loss.
std::string speed_why(const SpeedResult& t, const SpeedVerdict& v, const SpeedBounds& bounds) {
    std::vector<std::string> why;
    if (!t.send_failure.empty()) why.push_back("this host could not send: " + t.send_failure);
    if (v.why == SpeedVerdict::Why::nobody && t.send_failure.empty())
        why.push_back("no responder reported");
    for (const auto& m : v.missing)
        why.push_back(m + " did not report");
    if (v.receivers.size() < v.expected)
        why.push_back(fmt::format("{} receiver{} reported, {} expected", v.receivers.size(),
                                  v.receivers.size() == 1 ? "" : "s", v.expected));
    for (const auto& rv : v.receivers)
        if (!rv.ok) why.push_back(receiver_label(rv) + " " + receiver_why(rv, bounds));
    return fmt::format("{}", fmt::join(why, "; "));
}

// Every failing receiver named ("FAIL: node2 lost 10.0% > 5%"), every missing --peer, the
// closing line or the "result" record, and the error; the exit status.
int print_speed_verdict(Output& out, const SpeedResult& t, const SpeedVerdict& v,
                        const SpeedBounds& bounds) {
    const bool ok = v.ok && t.send_failure.empty();
    const auto responders = v.receivers.size() + v.missing.size();
    if (!out.json()) {
        if (!t.send_failure.empty()) out.line("FAIL: this host could not send: " + t.send_failure);
        for (const auto& rv : v.receivers)
            if (!rv.ok) out.line("FAIL: " + receiver_label(rv) + " " + receiver_why(rv, bounds));
        for (const auto& m : v.missing)
            out.line(fmt::format("FAIL: {} did not report", escape_text(m)));
        out.line(fmt::format("{} receiver{}, {} ok", responders, responders == 1 ? "" : "s",
                             v.ok_count));
    } else {
        json::array local;
        for (const auto& r : t.refusals) // the stream ends at the first: no count of datagrams
            local.push_back(json_local_failure({{r.family, r.unicast}, r.interface, r.error, 0}));
        json::array missing;
        for (const auto& m : v.missing)
            missing.push_back(json::string(m));
        out.record({{"type", "result"},
                    {"ok", ok},
                    {"responders", responders},
                    {"answered", v.receivers.size()},
                    {"ok_responders", v.ok_count},
                    {"expected", v.expected},
                    {"missing", std::move(missing)},
                    {"local_failures", std::move(local)},
                    {"why", ok ? "" : speed_why(t, v, bounds)},
                    {"time", rfc3339_now()}});
    }
    if (ok) return exit_ok;
    out.error(speed_why(t, v, bounds));
    return exit_nothing;
}

} // namespace

int run_ping_speed(const ParsedArgs& args, Output& out) {
    SpeedConfig cfg; // what the table leaves unset (rate, duration, size) comes from here
    if (auto size = args.number("size")) cfg.size = static_cast<std::size_t>(*size);
    if (cfg.size < min_speed_size)
        throw UsageError(fmt::format("--size: bad value '{}' (at least {} bytes with --speed)",
                                     cfg.size, min_speed_size));
    if (auto rate = args.rate("rate")) cfg.rate = rate->datagrams_per_second(cfg.size);
    if (auto duration = args.duration("duration")) cfg.duration = *duration;
    cfg.family = args.flag("ipv6") && !args.flag("ipv4") ? 6 : 4;
    double threshold = static_cast<double>(args.number("max-loss").value_or(1));
    const auto peers = peer_args(args.values("peer"));
    SpeedBounds bounds;
    if (args.given("max-loss")) bounds.max_loss_percent = threshold;
    bounds.expect = static_cast<std::size_t>(args.number("expect").value_or(0));
    // The nodes the resident node of this host knows (those --peer names, when given) are
    // expected to report, as plain ping expects them to answer: one that stays silent fails the
    // run instead of being left out. A node a --peer names is that --peer's to report missing.
    std::map<std::string, std::string> known;
    for (const auto& [who, name] : resident_node_peers(args, out))
        if (wanted(who, name, peers) &&
            std::none_of(peers.begin(), peers.end(),
                         [&](const PeerArg& p) { return matches(who, name, p); }))
            known.emplace(who, name);
    // A trial waits for what the verdict needs: --expect receivers, every --peer, every node
    // the resident node knows.
    cfg.complete = [&](const std::map<std::string, SpeedReport>& reports) {
        std::vector<std::string> missing;
        return wanted_reports(reports, peers, &missing).size() >= bounds.expect &&
               missing.empty() && std::all_of(known.begin(), known.end(), [&](const auto& k) {
                   return reports.count(k.first) > 0;
               });
    };
    auto id = load_identity(args, out);

    if (!args.flag("find-max")) {
        auto t = run_trial(args, out, id, cfg);
        std::vector<std::string> missing;
        const auto reports = wanted_reports(t.reports, peers, &missing);
        for (const auto& [who, name] : known)
            if (!t.reports.count(who)) missing.push_back(name.empty() ? who.substr(0, 12) : name);
        const SpeedVerdict v = judge_speed(reports, t.sent, cfg.size, bounds, missing);
        print_trial(out, t, cfg, v, bounds);
        return print_speed_verdict(out, t, v, bounds);
    }

    RateSearch search(threshold);
    while (auto rate = search.next_rate()) {
        cfg.rate = *rate;
        auto t = run_trial(args, out, id, cfg);
        if (interrupted) break; // report the best rate so far
        const auto reports = wanted_reports(t.reports, peers);
        print_trial(out, t, cfg, judge_speed(reports, t.sent, cfg.size, {}), {});
        if (!t.send_failure.empty()) { // no rate to search for: this host sends nothing
            out.error("this host could not send: " + t.send_failure);
            return exit_nothing;
        }
        search.record({.rate = *rate,
                       .reported = !reports.empty(),
                       .worst_loss = worst_loss_percent(reports, t.sent),
                       .sender_limited = t.sender_limited,
                       .sent_rate = t.sent_rate,
                       .receiver_limited = worst_receiver_limited(reports, t.sent)});
        if (search.nobody()) {
            out.error("no responder reported");
            return exit_nothing;
        }
    }
    const double good = search.best_rate();
    const bool sender_bound = search.limited_by_sender();
    const bool receiver_bound = search.limited_by_receiver();
    double mbps = good * static_cast<double>(cfg.size) * 8 / 1e6;
    if (out.json()) {
        out.record({{"type", "speed_max"},
                    {"rate_pps", good},
                    {"mbit_per_s", mbps},
                    {"size", cfg.size},
                    {"loss_threshold_percent", threshold},
                    {"limited_by", sender_bound     ? "sender_cpu"
                                   : receiver_bound ? "receiver"
                                                    : "loss"}});
    } else {
        out.line(fmt::format(
            "highest rate with loss <= {}%: {:.0f} datagrams/s ({:.1f} Mbit/s at {} B), {}",
            threshold, good, mbps, cfg.size,
            sender_bound     ? "limited by this machine's signing CPU"
            : receiver_bound ? "limited by a receiver too slow to read (it dropped them itself)"
                             : "limited by the receivers' loss"));
    }
    if (good > 0) return exit_ok;
    out.error(fmt::format("no rate had loss <= {}%", threshold));
    return exit_nothing;
}

} // namespace mcast::cli
