// `mcast weather`: the LAN's weather, from this machine's resident node over its control socket
// (at once), or, where none runs, from the reports heard while listening for one interval. With
// --watch: an update every --interval, redrawn in place on a terminal, a record per update
// otherwise.
#include "commands.hpp"
#include "duration.hpp"
#include "node_options.hpp"
#include "run_loop.hpp"
#include "weather_printers.hpp"

#include <mcast/control.hpp>
#include <mcast/weather_service.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <unistd.h>

namespace mcast::cli {
namespace {

Heed heed_of(const ParsedArgs& args) {
    return args.value("heed").value_or("any") == "trusted" ? Heed::trusted : Heed::any;
}

// Prints one snapshot: a record, or the table (in place of the last one under --watch on a
// terminal).
class Show {
public:
    Show(Output& out, bool watch) : out_(out), watch_(watch), tty_(::isatty(STDOUT_FILENO) != 0) {}

    void operator()(const Weather& w, const std::string& source) {
        ++shown_;
        if (out_.json() || (watch_ && !tty_)) {
            out_.record(weather_record(w, source));
            return;
        }
        WeatherView view{.sparklines = tty_, .source = watch_ ? std::string() : source};
        auto lines = weather_lines(w, view, out_.color());
        if (watch_ && tty_) {
            // Home, then each line cleared to its end, then the rest of the screen: no flicker.
            std::string frame = "\x1b[H";
            frame += fmt::format("mcast weather: every update {}\x1b[K\n", source);
            for (const auto& l : lines)
                frame += l + "\x1b[K\n";
            frame += "\x1b[J";
            out_.line(frame);
            return;
        }
        for (const auto& l : lines)
            out_.line(l);
    }
    std::uint64_t shown() const { return shown_; }

private:
    Output& out_;
    bool watch_, tty_;
    std::uint64_t shown_ = 0;
};

// Polls `get` every --interval until --count, --timeout or a signal.
int watch(const ParsedArgs& args, RunLoop& loop, Show& show, const std::function<Weather()>& get,
          const std::string& source) {
    const auto every = *args.duration("interval");
    const auto count = args.number("count");
    boost::asio::steady_timer timer(loop.io());
    std::function<void()> tick = [&] {
        show(get(), source);
        if (count && show.shown() >= static_cast<std::uint64_t>(*count)) return loop.finish();
        timer.expires_after(every);
        timer.async_wait([&](boost::system::error_code ec) {
            if (!ec && !loop.finished()) tick();
        });
    };
    loop.on_finish([&] { timer.cancel(); });
    loop.finish_after(args.duration("timeout"));
    boost::asio::post(loop.io(), tick);
    loop.run();
    return exit_ok;
}

} // namespace

int run_weather(const ParsedArgs& args, Output& out) {
    const bool watching = args.flag("watch");
    const Heed heed = heed_of(args);
    Show show(out, watching);
    std::optional<ControlClient> client;
    try {
        client.emplace(args.value("control").value_or(""));
    } catch (const ControlError& e) {
        if (!e.no_node) throw;
        out.debug(e.what());
    }

    if (client) {
        const std::string source = "from the resident node";
        if (!watching) {
            show(client->weather(heed), source);
            return exit_ok;
        }
        RunLoop loop;
        return watch(
            args, loop, show, [&] { return client->weather(heed); }, source);
    }

    // No resident node here: listen ourselves.
    RunLoop loop;
    Session& session = loop.open_session(args, out);
    WeatherOptions opts;
    opts.send = false;
    opts.measure = false;
    auto trust = trust_store();
    opts.trusted = [trust](const NodeId& id) { return trust->trusts(id); };
    WeatherService service(session, opts);
    loop.on_finish([&] { service.stop(); });
    loop.start_session(out);
    service.start();
    if (watching) {
        out.note("no resident node on this machine; showing the reports heard here");
        return watch(
            args, loop, show, [&] { return service.weather(heed); },
            "heard here (no resident node on this machine)");
    }
    const auto listen = *args.duration("listen");
    loop.finish_after(args.duration("timeout") ? std::min(*args.duration("timeout"), listen)
                                               : listen);
    loop.run();
    auto w = service.weather(heed);
    show(w, fmt::format("no resident node on this machine: listened {} for reports",
                        format_duration(listen)));
    return w.nodes.empty() ? exit_nothing : exit_ok;
}

} // namespace mcast::cli
