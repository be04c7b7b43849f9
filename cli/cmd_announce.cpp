// `mcast announce`: run this machine's Node until a signal or --timeout, then say goodbye.
#include "commands.hpp"
#include "duration.hpp"
#include "meta_option.hpp"
#include "node_options.hpp"
#include "peer_printers.hpp"

#include <mcast/node.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

namespace mcast::cli {

int run_announce(const ParsedArgs& args, Output& out) {
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
    auto id = load_identity(args, out);
    auto short_id = id.id().short_form();
    boost::asio::io_context io;
    auto sopts = session_options(args);
    apply_accept(sopts, args);
    Session session(io, std::move(id), std::move(sopts));
    session.start();
    if (session.interfaces().empty())
        out.note("no usable interface yet (none is up with multicast and an address); waiting");
    Node node(session, opts);
    if (auto size = encoded_size(encode_announce(node.info())); size > max_payload_size / 2)
        throw UsageError(fmt::format("--name/--meta: {} bytes to announce (at most {})", size,
                                     max_payload_size / 2));

    if (args.flag("once")) {
        auto info = node.info();
        session.send("", encode_announce(info), type_byte(PresenceType::announce));
        if (out.verbose() && out.json())
            out.record({{"type", "announce"},
                        {"name", info.name},
                        {"addresses", addresses_text(info.addresses)}});
        else
            out.debug(fmt::format("announced {} ({}) once", opts.name, short_id));
        return exit_ok;
    }

    node.on_announce([&](const NodeInfo& info) {
        if (!out.verbose()) return;
        if (out.json())
            out.record({{"type", "announce"},
                        {"name", info.name},
                        {"addresses", addresses_text(info.addresses)}});
        else
            out.debug("announced " + info.name + " at " + addresses_text(info.addresses));
    });
    node.on_conflict([&](const Message& m) {
        std::string where = m.arrival.source + "%" + m.arrival.ifname;
        out.note("CONFLICT: another process announces with this identity (" + short_id + ") from " +
                 where);
        if (out.json())
            out.record({{"type", "conflict"},
                        {"id", m.sender_id.full()},
                        {"source", m.arrival.source},
                        {"interface", m.arrival.ifname}});
    });

    auto finish = [&] {
        node.stop(); // the goodbye
        session.close();
        io.stop();
    };
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) finish();
    });
    boost::asio::steady_timer timer(io);
    if (auto t = args.duration("timeout")) {
        timer.expires_after(*t);
        timer.async_wait([&](boost::system::error_code ec) {
            if (!ec) finish();
        });
    }
    node.start();
    out.debug(fmt::format("announcing {} ({}) every {}; Ctrl-C to stop", opts.name, short_id,
                          format_duration(opts.interval)));
    io.run();
    return exit_ok;
}

} // namespace mcast::cli
