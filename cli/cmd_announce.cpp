// `mcast announce`: run this machine's Node until a signal or --timeout, then say goodbye. On
// SIGHUP it reads its settings again (config files, environment, the same command line) and
// restarts the node with them; a bad new setting is reported and the old ones kept.
#include "commands.hpp"
#include "duration.hpp"
#include "meta_option.hpp"
#include "node_options.hpp"
#include "option_values.hpp"
#include "peer_printers.hpp"
#include "printers.hpp"
#include "run_loop.hpp"
#include "settings.hpp"

#include <mcast/control.hpp>
#include <mcast/node.hpp>
#include <mcast/share/file_provider.hpp>
#include <mcast/share/https_server.hpp>
#include <mcast/share/tls.hpp>
#include <mcast/share_service.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/weather_service.hpp>
#include <mcast/wire.hpp>

#if MCAST_HAVE_GATEWAY
#include <mcast/gateway_monitor.hpp>
#endif

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <unistd.h>

namespace mcast::cli {
namespace {

// Everything announce needs from its settings, checked before anything starts (or restarts).
struct Setup {
    NodeOptions node;
    SessionOptions session;
    Identity identity;
    std::string accept; // --accept, which decides the session's accept check
    // The weather service and its control socket (none with --no-weather).
    bool weather_on = true;
    WeatherOptions weather;
    std::filesystem::path control;
    bool control_chosen = false; // --control or MCAST_CONTROL named it
    std::string control_group;
    bool igd = true;           // --igd on
    std::string identity_file; // the key file, read again for the shares' TLS (lib/share)
};

// --uplink UP/DOWN: two bit rates ("10Mbit/40Mbit").
std::pair<std::uint64_t, std::uint64_t> parse_uplink(const std::string& text) {
    auto slash = text.find('/');
    auto bits = [&](std::string_view part) {
        auto r = parse_rate(part);
        if (!r || !r->bits)
            throw UsageError(fmt::format("--uplink: '{}' is not UP/DOWN in bits per second, such "
                                         "as 10Mbit/40Mbit",
                                         text));
        return static_cast<std::uint64_t>(r->per_second);
    };
    if (slash == std::string::npos)
        throw UsageError(fmt::format("--uplink: '{}' is not UP/DOWN, such as 10Mbit/40Mbit", text));
    return {bits(std::string_view(text).substr(0, slash)),
            bits(std::string_view(text).substr(slash + 1))};
}

void weather_setup(const ParsedArgs& args, Setup& s) {
    s.weather_on = !args.flag("no-weather");
    s.weather.name = s.node.name;
    s.weather.interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(*args.duration("weather-interval"));
    s.weather.anonymous = args.flag("anonymous");
    if (auto u = args.value("uplink")) {
        auto [up, down] = parse_uplink(*u);
        s.weather.uplink_up_bps = up;
        s.weather.uplink_down_bps = down;
    }
    auto trust = trust_store();
    s.weather.trusted = [trust](const NodeId& id) { return trust->trusts(id); };
    s.control = args.value("control") ? std::filesystem::path(*args.value("control"))
                                      : default_control_path();
    s.control_chosen = args.value("control").has_value() || std::getenv("MCAST_CONTROL");
    s.control_group = args.value("control-group").value_or("");
    s.igd = args.value("igd").value_or("on") == "on";
}

// The gateway's UPnP IGD, read from a thread of its own for as long as the run lasts (across
// reloads: a search takes seconds). Without miniupnpc in this build: none, and the weather says so.
class Gateway {
public:
    std::function<GatewayReading()> reader(bool wanted) {
#if MCAST_HAVE_GATEWAY
        if (!wanted) return {};
        if (!monitor_) {
            monitor_ = std::make_unique<IgdMonitor>();
            monitor_->start();
        }
        return [m = monitor_.get()] {
            auto r = m->latest();
            GatewayReading g;
            g.ok = r.ok;
            g.note = r.ok ? (r.name.empty() ? r.note : r.name) : r.note;
            g.bytes_sent = r.bytes_sent;
            g.bytes_received = r.bytes_received;
            g.taken = MonoTime(std::chrono::nanoseconds(r.taken_ns));
            g.max_up_bps = r.max_up_bps;
            g.max_down_bps = r.max_down_bps;
            return g;
        };
#else
        if (!wanted) return {};
        return [] {
            GatewayReading g;
            g.note = "this mcast was built without miniupnpc";
            return g;
        };
#endif
    }

#if MCAST_HAVE_GATEWAY
    // The monitor's thread may be inside a UPnP search (seconds, in miniupnpc's own timeouts):
    // joining it would hold up the exit on Ctrl-C. The process is ending, so the thread is left
    // to end with it.
    ~Gateway() {
        (void)monitor_.release();
    }
#endif

private:
#if MCAST_HAVE_GATEWAY
    std::unique_ptr<IgdMonitor> monitor_;
#endif
};

// Whether two setups can share one Session: the same key, network and accept rule. Then a
// reload keeps the session (its incarnation and sequence numbers) and only the Node is new, so
// the others see an update of the node rather than a restart.
bool same_session(const Setup& a, const Setup& b) {
    const SessionOptions &x = a.session, &y = b.session;
    return a.identity.id() == b.identity.id() && a.accept == b.accept && x.ipv4 == y.ipv4 &&
           x.ipv6 == y.ipv6 && x.interfaces == y.interfaces && x.group_v4 == y.group_v4 &&
           x.group_v6 == y.group_v6 && x.port == y.port && x.ttl == y.ttl;
}

Setup make_setup(const ParsedArgs& args, Output& out) {
    NodeOptions opts;
    opts.name = args.value("name").value_or(host_name());
    opts.meta = parse_meta(args.values("meta"));
    // The table gives --interval its default and bounds (100ms to 8h), and --lifetime its own.
    opts.interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(*args.duration("interval"));
    if (auto l = args.duration("lifetime")) {
        opts.lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(*l);
        if (opts.lifetime < opts.interval)
            throw UsageError("--lifetime: shorter than --interval (the node would flicker)");
    }
    NodeInfo probe;
    probe.name = opts.name;
    probe.meta = opts.meta;
    if (auto size = encoded_size(encode_announce(probe)); size > max_payload_size / 2)
        throw UsageError(fmt::format("--name/--meta: {} bytes to announce (at most {})", size,
                                     max_payload_size / 2));
    auto sopts = session_options(args);
    Setup s{std::move(opts),
            std::move(sopts),
            load_identity(args, out),
            args.value("accept").value_or("any"),
            true,
            {},
            {},
            false,
            {},
            true,
            identity_path(args)};
    weather_setup(args, s);
    return s;
}

void print_announce(Output& out, const NodeInfo& info) {
    if (out.json())
        out.record({{"type", "announce"},
                    {"name", info.name},
                    {"addresses", json_addresses(info.addresses)}});
    else
        out.debug("announced " + info.name + " at " + addresses_text(info.addresses));
}

} // namespace

int run_announce(const ParsedArgs& first_args, Output& out) {
    Setup setup = make_setup(first_args, out);
    const std::vector<std::string> command_line = first_args.raw_args();

    if (first_args.flag("once")) {
        boost::asio::io_context io;
        Session session(io, std::move(setup.identity), std::move(setup.session));
        session.start();
        if (session.interfaces().empty()) throw SessionError(session.no_interface_reason());
        auto refused = warn_send_refusals(session, out, "announcements ");
        Node node(session, setup.node);
        auto info = node.info();
        SendOptions o;
        o.type = MessageType::announce;
        if (auto r = session.send("", encode_announce(info), o); !r) throw SessionError(r.why());
        if (out.verbose()) print_announce(out, info);
        return exit_ok;
    }

    // One loop and one set of signals for the whole run: a reload rebuilds the Session and the
    // Node on them, so signals never meet their default action between two nodes, and a signal
    // that arrives during a reload waits in the signal set.
    RunLoop loop;
    std::unique_ptr<Session> session;
    // Announcements this host refuses to send (its firewall: EPERM) are said once per family,
    // interface and errno: without it the node would log "announced" and reach nobody.
    Subscription refused;
    std::unique_ptr<Node> node;
    std::unique_ptr<WeatherService> weather;
    std::vector<Declaration> carry; // declarations for the next weather service to take over
    Gateway gateway;
    // The shares of this machine (mcast share), searchable on the LAN; its requests come in on
    // the weather's control socket.
    std::unique_ptr<ShareService> shares;
    // Its catalogue served over HTTPS (lib/share) on the TCP port of the session's UDP port.
    std::optional<share::TlsKey> share_key;
    std::unique_ptr<share::CatalogueFiles> share_files;
    std::unique_ptr<share::HttpsServer> share_server;
    const auto serve_shares = [&](const Setup& s) {
        share_server.reset();
        try {
            share_key.emplace(share::TlsKey::load(s.identity_file));
            share_files = std::make_unique<share::CatalogueFiles>(
                [&shares] { return shares ? shares->catalogue() : nullptr; },
                [](const PublicKeyBytes& k) { return trust_store()->trusts(NodeId::of(k)); });
            namespace ip = boost::asio::ip;
            try {
                share_server = std::make_unique<share::HttpsServer>(
                    loop.io(), *share_key, *share_files,
                    ip::tcp::endpoint(ip::address_v6::any(), s.session.port));
            } catch (const boost::system::system_error&) { // no IPv6 here
                share_server = std::make_unique<share::HttpsServer>(
                    loop.io(), *share_key, *share_files,
                    ip::tcp::endpoint(ip::address_v4::any(), s.session.port));
            }
            // Serving is bulk sending: it gives way as `fetch` and `yield` do (priority normal).
            share_server->pace_by(
                [&weather]() -> std::optional<Advice> {
                    if (!weather) return std::nullopt;
                    return weather->advice(priority_normal, Heed::any);
                },
                s.weather.advice.floor_bps);
        } catch (const std::exception& e) {
            out.note(std::string("shares are searchable but not served: ") + e.what());
        }
    };

    // The weather service for s on the running session, with the declarations of the one it
    // replaces (a reload must not drop what programs declared).
    const auto start_weather = [&](const Setup& s, const std::vector<Declaration>& carried) {
        if (!s.weather_on) return;
        auto opts = s.weather;
        opts.igd = gateway.reader(s.igd);
        auto w = std::make_unique<WeatherService>(*session, opts);
        try {
            w->serve_control(s.control, s.control_group);
        } catch (const ControlError& e) {
            // A second node on this host (another --identity) without a socket of its own
            // still shares its weather; only a socket the user chose must be had.
            if (s.control_chosen) throw;
            out.note(std::string(e.what()) + "; this node serves no control socket");
        }
        for (const auto& op : {"shares", "shares_reload"})
            w->route_control(op, [&shares](const std::string& request, unsigned uid) {
                if (!shares) throw ControlError("this node shares nothing now");
                return shares->control(request, uid);
            });
        for (const auto& d : carried)
            if (d.remaining.count() > 0) w->declare(d.activity, d.remaining, d.owner_uid);
        w->start();
        weather = std::move(w);
    };
    const auto stop_weather = [&] {
        std::vector<Declaration> held;
        if (weather) {
            held = weather->declarations();
            weather->stop();
        }
        weather.reset();
        return held;
    };

    // A node for s on the running session.
    const auto start_node = [&](const Setup& s) {
        const std::string short_id = s.identity.id().short_form();
        auto new_node = std::make_unique<Node>(*session, s.node);
        new_node->on_announce([&out](const NodeInfo& info) {
            if (out.verbose()) print_announce(out, info);
        });
        new_node->on_conflict([&out, short_id](const Message& m) {
            std::string where = m.arrival.source + "%" + m.arrival.ifname;
            out.note("CONFLICT: another process announces with this identity (" + short_id +
                     ") from " + where);
            if (out.json())
                out.record({{"type", "conflict"},
                            {"id", m.sender_id.full()},
                            {"source", m.arrival.source},
                            {"interface", m.arrival.ifname}});
        });
        new_node->start();
        node = std::move(new_node);
    };
    // A session and a node for s (its key cloned, so that s stays whole to fall back to).
    const auto start = [&](const Setup& s) {
        auto new_session = std::make_unique<Session>(loop.io(), s.identity.clone(), s.session);
        new_session->start();
        if (new_session->interfaces().empty()) out.note(waiting_note(*new_session, s.session));
        session = std::move(new_session);
        refused = warn_send_refusals(*session, out, "announcements ");
        start_node(s);
        ShareOptions so;
        so.name = s.node.name;
        // The trust store as it is now (a SIGHUP reads it again), not as at the start.
        so.trusted = [](const NodeId& id) { return trust_store()->trusts(id); };
        so.warn = [&out](const std::string& w) { out.note(w); };
        so.serving = [&share_server] {
            return share_server ? share_server->serving() : std::vector<Serving>{};
        };
        shares = std::make_unique<ShareService>(*session, so);
        shares->start();
        serve_shares(s);
        start_weather(s, std::exchange(carry, {}));
    };
    // Ends the node and its session; the goodbye tells the others it is gone.
    const auto stop = [&] {
        stop_weather();
        share_server.reset();
        shares.reset();
        if (node) node->stop();
        node.reset();
        if (session) session->close();
        session.reset();
    };
    const auto reload = [&] {
        std::optional<Setup> next;
        try {
            reload_trust_store();
            if (shares) shares->reload(); // the shares file, as the settings, read again
            next = make_setup(parse_with_settings(*find_command("announce"), command_line), out);
        } catch (const std::exception& e) {
            out.error(std::string("reload: ") + e.what() + " (still running as before)");
            return;
        }
        if (session && same_session(*next, setup)) {
            node.reset(); // no goodbye: the same node goes on, announcing what is new
            start_node(*next);
            auto held = stop_weather();
            try {
                start_weather(*next, held);
            } catch (const std::exception& e) {
                out.error(std::string("reload: ") + e.what() + " (weather as before)");
                start_weather(setup, held);
            }
        } else {
            // Another key or network: to the others the old node leaves and a new one joins.
            if (weather) carry = weather->declarations();
            stop();
            try {
                start(*next);
            } catch (const std::exception& e) {
                // The new settings passed their checks but do not start (an interface that is
                // gone, a port this user may not bind): back to the ones that ran.
                out.error(std::string("reload: ") + e.what() + " (still running as before)");
                start(setup);
                return;
            }
        }
        setup = std::move(*next);
        out.note(fmt::format("settings read again; the node is now {} ({})", setup.node.name,
                             setup.identity.id().short_form()));
    };

    loop.on_finish(stop);
    loop.on_reload(reload);
    // --timeout counts from the start, across reloads.
    loop.finish_after(first_args.duration("timeout"));
    start(setup);
    out.note(fmt::format("announcing {} ({}) every {}{}", setup.node.name,
                         setup.identity.id().short_form(), format_duration(setup.node.interval),
                         ::isatty(STDERR_FILENO) ? "; Ctrl-C to stop" : ""));
    loop.run();
    return exit_ok;
}

} // namespace mcast::cli
