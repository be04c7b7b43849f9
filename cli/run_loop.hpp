// The scaffold of every networked command, written once: an io_context, the Session that the
// global options describe, SIGINT/SIGTERM (and SIGHUP for announce's reload) and --timeout, all
// ending the run through one finish() that stops what the command registered, closes the
// session and stops the loop.
//   RunLoop loop;
//   Session& session = loop.open_session(args, out);
//   Discovery discovery(session, cfg);
//   loop.on_finish([&] { discovery.stop(); });
//   loop.finish_after(args.duration("timeout"));
//   loop.start_session(out);
//   discovery.start();
//   loop.run();
#pragma once

#include "option_parser.hpp"
#include "output.hpp"

#include <mcast/identity.hpp>
#include <mcast/session.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcast::cli {

// The note of a session that starts without a usable interface and waits for one: what is
// wrong with each interface named with -i ("no usable interface: eth2 is down; waiting").
std::string waiting_note(const Session& session, const SessionOptions& options);

class RunLoop {
public:
    RunLoop(); // catches SIGINT and SIGTERM from now on
    ~RunLoop();
    RunLoop(const RunLoop&) = delete;
    RunLoop& operator=(const RunLoop&) = delete;

    boost::asio::io_context& io() { return io_; }

    // The session of this run: the key of --identity (loaded first; a new default one is noted)
    // and the network of -4/-6, -i, --group, --port, --ttl and --accept. Throws as
    // load_identity() and session_options() do.
    Session& open_session(const ParsedArgs& args, Output& out);
    // The same with a key and options already made (a clone of the key for each speed trial).
    Session& open_session(Identity id, SessionOptions options);
    Session& session() { return *session_; }
    // The options the session was opened with.
    const SessionOptions& session_options() const { return options_; }

    // Starts the session; without a usable interface yet, notes that it waits for one.
    void start_session(Output& out);
    // Starts the session; without a usable interface, throws SessionError(message).
    void start_session_or_throw(const std::string& message);

    // Work for finish() before it closes the session (stop a Discovery, a Pinger), in order.
    void on_finish(std::function<void()> hook);
    // What SIGINT and SIGTERM do instead of finish().
    void on_interrupt(std::function<void()> handler);
    // Catches SIGHUP too and calls handler for each one (announce reads its settings again).
    void on_reload(std::function<void()> handler);
    // finish() after d from now (before it, `before`, such as a note); nothing when d is nullopt.
    void finish_after(std::optional<std::chrono::nanoseconds> d, std::function<void()> before = {});

    // Ends the run: the finish hooks, then the session closed and the loop stopped. Once.
    void finish();
    bool finished() const { return finished_; }

    // Runs the loop until finish() (or the work runs out), then flushes the output; records
    // after it are flushed one by one.
    void run();

private:
    void wait_for_signal();
    Output* out_ = nullptr; // its records are flushed once per turn of the loop

    boost::asio::io_context io_;
    boost::asio::signal_set signals_;
    boost::asio::steady_timer timer_;
    SessionOptions options_;
    std::unique_ptr<Session> session_;
    std::vector<std::function<void()>> finish_hooks_;
    std::function<void()> interrupt_, reload_;
    bool finished_ = false;
};

} // namespace mcast::cli
