// The run of a networked command; see run_loop.hpp.
#include "run_loop.hpp"

#include "node_options.hpp"

#include <boost/asio/post.hpp>

#include <csignal>

namespace mcast::cli {

RunLoop::RunLoop() : signals_(io_, SIGINT, SIGTERM), timer_(io_) {
    wait_for_signal();
}

RunLoop::~RunLoop() {
    if (!out_) return;
    try {
        out_->flush_later({}); // flushes: the loop that would have is going away
    } catch (const std::exception&) {
        // A reader gone or a full disk while unwinding: run() reports it when it ends normally.
    }
}

void RunLoop::run() {
    io_.run();
    // What the command prints after the loop (a summary) is flushed record by record again.
    if (out_) out_->flush_later({});
}

Session& RunLoop::open_session(const ParsedArgs& args, Output& out) {
    // The records a burst of datagrams makes are written together, before the loop waits again.
    out_ = &out;
    out.flush_later([this](std::function<void()> f) { boost::asio::post(io_, std::move(f)); });
    auto id = load_identity(args, out);
    return open_session(std::move(id), cli::session_options(args));
}

Session& RunLoop::open_session(Identity id, SessionOptions options) {
    options_ = options;
    session_ = std::make_unique<Session>(io_, std::move(id), std::move(options));
    return *session_;
}

void RunLoop::start_session(Output& out) {
    session_->start();
    if (session_->interfaces().empty()) out.note(waiting_note(*session_, options_));
}

void RunLoop::start_session_or_throw(const std::string& message) {
    session_->start();
    if (!session_->interfaces().empty()) return;
    // Interfaces named with -i: say what is wrong with each ("eth2 is down"), not "name one".
    throw SessionError(options_.interfaces.empty() ? message : session_->no_interface_reason());
}

std::string waiting_note(const Session& session, const SessionOptions& options) {
    if (options.interfaces.empty())
        return "no usable interface yet (none is up with multicast and an address); waiting";
    return session.no_interface_reason() + "; waiting";
}

void RunLoop::on_finish(std::function<void()> hook) {
    finish_hooks_.push_back(std::move(hook));
}

void RunLoop::on_interrupt(std::function<void()> handler) {
    interrupt_ = std::move(handler);
}

void RunLoop::on_reload(std::function<void()> handler) {
    reload_ = std::move(handler);
    signals_.add(SIGHUP);
}

void RunLoop::finish_after(std::optional<std::chrono::nanoseconds> d,
                           std::function<void()> before) {
    if (!d) return;
    timer_.expires_after(*d);
    timer_.async_wait([this, before = std::move(before)](boost::system::error_code ec) {
        if (ec) return;
        if (before) before();
        finish();
    });
}

void RunLoop::finish() {
    if (finished_) return;
    finished_ = true;
    for (auto& hook : finish_hooks_)
        hook();
    if (session_) session_->close();
    io_.stop();
}

void RunLoop::wait_for_signal() {
    signals_.async_wait([this](boost::system::error_code ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP && reload_) {
            reload_();
            wait_for_signal();
            return;
        }
        if (interrupt_)
            interrupt_();
        else
            finish();
    });
}

} // namespace mcast::cli
