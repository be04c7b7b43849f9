// `mcast announce`: run this machine's Node until a signal or --timeout, then say goodbye. On
// SIGHUP it reads its settings again (config files, environment, the same command line) and
// restarts the node with them; a bad new setting is reported and the old ones kept.
#include "commands.hpp"
#include "duration.hpp"
#include "meta_option.hpp"
#include "node_options.hpp"
#include "peer_printers.hpp"
#include "settings.hpp"

#include <mcast/node.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <csignal>
#include <functional>
#include <optional>
#include <unistd.h>

namespace mcast::cli {
namespace {

// Everything announce needs from its settings, checked before anything starts (or restarts).
struct Setup {
    NodeOptions node;
    SessionOptions session;
    Identity identity;
};

Setup make_setup(const ParsedArgs& args, Output& out) {
    NodeOptions opts;
    opts.name = args.value("name").value_or(host_name());
    opts.meta = parse_meta(args.values("meta"));
    opts.interval = std::chrono::duration_cast<std::chrono::milliseconds>(
        args.duration("interval").value_or(std::chrono::seconds(30)));
    if (opts.interval < std::chrono::milliseconds(100) || opts.interval > std::chrono::hours(8))
        throw UsageError("--interval: bad value (expected 100ms to 8h)");
    if (auto l = args.duration("lifetime")) {
        opts.lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(*l);
        if (opts.lifetime < opts.interval)
            throw UsageError("--lifetime: shorter than --interval (the node would flicker)");
        if (opts.lifetime > std::chrono::hours(24))
            throw UsageError("--lifetime: bad value (at most 24h, which receivers accept)");
    }
    NodeInfo probe;
    probe.name = opts.name;
    probe.meta = opts.meta;
    if (auto size = encoded_size(encode_announce(probe)); size > max_payload_size / 2)
        throw UsageError(fmt::format("--name/--meta: {} bytes to announce (at most {})", size,
                                     max_payload_size / 2));
    auto sopts = session_options(args);
    apply_accept(sopts, args);
    return {std::move(opts), std::move(sopts), load_identity(args, out)};
}

// SIGHUP, SIGINT and SIGTERM blocked while held: they stay pending and are delivered once
// released, to whatever handler is installed then.
class HeldSignals {
public:
    HeldSignals() { hold(); }
    // Not released on the way out: a signal pending then would meet the default action (the
    // signal_set is gone) and turn announce's exit 0 into a death by signal.
    ~HeldSignals() = default;
    HeldSignals(const HeldSignals&) = delete;
    HeldSignals& operator=(const HeldSignals&) = delete;

    void hold() {
        if (held_) return;
        sigset_t set;
        ::sigemptyset(&set);
        for (int s : {SIGHUP, SIGINT, SIGTERM})
            ::sigaddset(&set, s);
        ::pthread_sigmask(SIG_BLOCK, &set, &before_);
        held_ = true;
    }
    void release() {
        if (!held_) return;
        ::pthread_sigmask(SIG_SETMASK, &before_, nullptr);
        held_ = false;
    }

private:
    sigset_t before_{};
    bool held_ = false;
};

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
        Node node(session, setup.node);
        auto info = node.info();
        session.send("", encode_announce(info), type_byte(PresenceType::announce));
        if (out.verbose()) print_announce(out, info);
        return exit_ok;
    }

    // --timeout counts from the start, across reloads.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (auto t = first_args.duration("timeout")) deadline = std::chrono::steady_clock::now() + *t;

    // Between two nodes there is no signal_set, and the signals' default actions would kill the
    // process: they are held (blocked, so they wait) from the start of a reload until the next
    // node's signal_set is listening.
    HeldSignals held;
    for (bool first = true;; first = false) {
        const std::string short_id = setup.identity.id().short_form();
        const NodeId own_id = setup.identity.id();
        const NodeOptions opts = setup.node;
        boost::asio::io_context io;
        Session session(io, std::move(setup.identity), std::move(setup.session));
        session.start();
        if (session.interfaces().empty())
            out.note("no usable interface yet (none is up with multicast and an address); waiting");
        Node node(session, opts);
        node.on_announce([&](const NodeInfo& info) {
            if (out.verbose()) print_announce(out, info);
        });
        node.on_conflict([&](const Message& m) {
            std::string where = m.arrival.source + "%" + m.arrival.ifname;
            out.note("CONFLICT: another process announces with this identity (" + short_id +
                     ") from " + where);
            if (out.json())
                out.record({{"type", "conflict"},
                            {"id", m.sender_id.full()},
                            {"source", m.arrival.source},
                            {"interface", m.arrival.ifname}});
        });

        std::optional<Setup> next;
        auto finish = [&] {
            next.reset(); // a stop request wins over a reload still to happen
            node.stop();  // the goodbye
            session.close();
            io.stop();
        };
        boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
        std::function<void(boost::system::error_code, int)> on_signal =
            [&](boost::system::error_code ec, int signal) {
                if (ec) return;
                if (signal != SIGHUP) return finish();
                held.hold();
                try {
                    reload_trust_store();
                    next = make_setup(parse_with_settings(*find_command("announce"), command_line),
                                      out);
                } catch (const std::exception& e) {
                    out.error(std::string("reload: ") + e.what() + " (still running as before)");
                    signals.async_wait(on_signal);
                    held.release();
                    return;
                }
                // A SIGTERM that came with the SIGHUP is still queued in this signal_set: the
                // wait gets it before the restart below runs, and finish() cancels the restart.
                signals.async_wait(on_signal);
                boost::asio::post(io, [&] {
                    if (!next) return;
                    out.note(fmt::format("settings read again; restarting the node as {} ({})",
                                         next->node.name, next->identity.id().short_form()));
                    // Under another key this node is someone else: the old one says goodbye.
                    if (!(next->identity.id() == own_id)) node.stop();
                    session.close();
                    io.stop();
                });
            };
        signals.async_wait(on_signal);
        held.release();
        boost::asio::steady_timer timer(io);
        if (deadline) {
            timer.expires_at(*deadline);
            timer.async_wait([&](boost::system::error_code ec) {
                if (!ec) finish();
            });
        }
        node.start();
        if (first)
            out.note(fmt::format("announcing {} ({}) every {}{}", opts.name, short_id,
                                 format_duration(opts.interval),
                                 ::isatty(STDERR_FILENO) ? "; Ctrl-C to stop" : ""));
        io.run();
        if (!next) return exit_ok;
        setup = std::move(*next);
    }
}

} // namespace mcast::cli
