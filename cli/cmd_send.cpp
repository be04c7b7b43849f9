// `mcast send`: build tuples from arguments, JSON, stdin lines or stdin bytes, and send them,
// once, --repeat times, or paced at --rate. Pacing uses absolute deadlines so a slow send does
// not stretch the schedule.
#include "commands.hpp"
#include "node_options.hpp"
#include "printers.hpp"
#include "value_json.hpp"

#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <iterator>
#include <poll.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

namespace mcast::cli {

using namespace std::chrono_literals;

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) {
    stop_requested = 1;
}

Tuple tuple_from_args(const std::vector<std::string>& values, bool json) {
    if (!json) return Tuple(values.begin(), values.end());
    if (values.size() == 1) return tuple_from_json_text(values[0]);
    Tuple t;
    for (const auto& v : values) {
        auto one = tuple_from_json_text(v);
        // A lone array among several arguments is a nested list, not a tuple.
        if (one.size() == 1 && !boost::json::parse(v).is_array())
            t.push_back(std::move(one[0]));
        else
            t.push_back(List(std::move(one)));
    }
    return t;
}

class Pacer {
public:
    explicit Pacer(std::optional<std::chrono::nanoseconds> gap) : gap_(gap) {}
    // When message number n (0-based) is due.
    std::chrono::steady_clock::time_point due(std::uint64_t n) const {
        if (!gap_ || n == 0) return start_;
        return start_ + *gap_ * static_cast<std::int64_t>(n);
    }
    // Waits until message number n (0-based) is due.
    void wait(std::uint64_t n) {
        if (!gap_ || n == 0) return;
        auto due = start_ + *gap_ * static_cast<std::int64_t>(n);
        // Short naps, so SIGINT/SIGTERM end even an --interval 1h at once.
        for (auto now = std::chrono::steady_clock::now(); now < due && !stop_requested;
             now = std::chrono::steady_clock::now())
            std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(due - now, 50ms));
    }

private:
    std::optional<std::chrono::nanoseconds> gap_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace

int run_send(const ParsedArgs& args, Output& out) {
    bool lines = args.flag("lines"), whole_stdin = args.flag("stdin");
    if (!lines && !whole_stdin && args.positional.empty())
        throw UsageError("nothing to send (give VALUE arguments, --lines or --stdin)");
    const bool json_values = args.flag("json-values");
    // Earlier versions read VALUEs as JSON under --json: such a command line must not now send
    // '[1, 2]' as text without a word. With -v, --json has output to select, so it is today's.
    if (out.json() && !json_values && !out.verbose() && (lines || !args.positional.empty()))
        throw UsageError("--json: selects JSON output only (which send writes with -v) and no "
                         "longer reads VALUEs as JSON; use --json-values for that, or add -v "
                         "for JSON output of text VALUEs");
    auto topic = args.value("topic").value_or("default");
    if (topic.size() > max_topic_size) throw UsageError("--topic: longer than 255 bytes");
    if (!is_valid_utf8(topic)) throw UsageError("--topic: not valid UTF-8");

    // Build the fixed tuple first so that a bad value fails before anything is sent.
    Tuple fixed;
    if (!lines && !whole_stdin) {
        try {
            fixed = tuple_from_args(args.positional, json_values);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("VALUE: ") + e.what());
        }
    } else if (whole_stdin) {
        // Read one byte more than fits, to tell "too large" without reading a huge input.
        std::string all(max_payload_size + 1, '\0');
        std::cin.read(all.data(), static_cast<std::streamsize>(all.size()));
        all.resize(static_cast<std::size_t>(std::cin.gcount()));
        if (all.size() > max_payload_size - 9)
            throw EncodeError(fmt::format("standard input is more than {} bytes (at most {} fit "
                                          "in one message)",
                                          max_payload_size - 9, max_payload_size - 9));
        fixed = Tuple{Bytes{ByteBuffer(all.begin(), all.end())}};
    }

    // Refuse an oversized message before touching the network.
    if (auto size = encoded_size(fixed); size > max_payload_size)
        throw EncodeError(
            fmt::format("message payload is {} bytes (at most {})", size, max_payload_size));

    std::uint64_t repeat = static_cast<std::uint64_t>(args.number("repeat").value_or(1));
    std::optional<std::chrono::nanoseconds> gap;
    if (auto rate = args.number("rate"))
        gap = std::chrono::nanoseconds(1'000'000'000 / *rate);
    else if (repeat > 1 || args.given("interval"))
        gap = args.duration("interval");
    if (lines && !args.given("rate") && !args.given("interval")) gap.reset();

    auto id = load_identity(args, out);
    boost::asio::io_context io;
    Session session(io, std::move(id), session_options(args));
    session.start();
    if (session.interfaces().empty()) throw SessionError(session.no_interface_reason());
    // Without SA_RESTART, so a read of stdin (--lines) is interrupted too.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    // A datagram this host refuses to send (a firewall rule here: EPERM) is said once per
    // family, interface and errno, -v or not: the message did not reach everyone.
    auto refused = warn_send_refusals(session, out);
    Pacer pacer(gap);
    std::uint64_t sent = 0, datagrams = 0;
    auto t0 = std::chrono::steady_clock::now();
    // Bulk streams are batch-signed (docs/protocol.md section 3.4): --rate faster than one
    // message per batch delay, and --lines. This loop blocks its thread (pacing, reading
    // stdin), so the session's batch timer cannot run: the open batch is flushed here before
    // any wait that could pass the delay.
    const auto batch_delay = session_options(args).batch_delay;
    const bool batch =
        batch_delay.count() > 0 &&
        (lines ? !gap || *gap < batch_delay : args.given("rate") && gap && *gap < batch_delay);
    auto send_one = [&](const Tuple& t) {
        if (batch)
            if (auto closes = session.batch_deadline(); closes && pacer.due(sent) >= *closes)
                session.flush();
        pacer.wait(sent);
        if (stop_requested) return;
        SendOptions o;
        o.batch = batch;
        auto r = session.send(topic, t, o);
        if (!r) throw SessionError(r.why());
        datagrams += r.datagrams;
        ++sent;
        if (out.verbose()) {
            if (out.json())
                out.record({{"type", "sent"}, {"topic", topic}, {"seq", sent}});
            else
                out.debug(fmt::format("sent message {} on [{}]", sent, topic));
        }
    };

    std::uint64_t skipped = 0;
    if (lines) {
        // A stream (tail -F, journalctl -f) must outlive one bad line: it is reported, by its
        // number, and skipped; the exit status says that something was.
        std::string line;
        std::uint64_t number = 0;
        // Before a read that may block, what waits in a batch goes out.
        auto flush_before_read = [&] {
            if (!batch || std::cin.rdbuf()->in_avail() > 0) return;
            pollfd p{STDIN_FILENO, POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) session.flush();
        };
        while (!stop_requested && (flush_before_read(), std::getline(std::cin, line))) {
            ++number;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            Tuple t;
            try {
                if (json_values)
                    t = tuple_from_json_text(line);
                else if (!is_valid_utf8(line))
                    throw std::invalid_argument("not valid UTF-8 (use --stdin for binary data)");
                else
                    t = Tuple{line};
                if (auto size = encoded_size(t); size > max_payload_size)
                    throw std::invalid_argument(
                        fmt::format("{} bytes to send (at most {} fit in one message)", size,
                                    max_payload_size));
            } catch (const std::invalid_argument& e) {
                out.error(fmt::format("stdin line {}: {}; skipped", number, e.what()));
                ++skipped;
                continue;
            }
            try {
                send_one(t);
            } catch (const EncodeError& e) { // what only encoding finds: lists nested too deep
                out.error(fmt::format("stdin line {}: {}; skipped", number, e.what()));
                ++skipped;
            }
        }
    } else {
        for (std::uint64_t i = 0; i < repeat && !stop_requested; ++i)
            send_one(fixed);
    }

    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double rate = secs > 0 ? static_cast<double>(sent) / secs : 0.0;
    // Like mosquitto_pub, send is silent unless asked: -v reports what went out.
    if (out.verbose() && out.json()) {
        out.record({{"type", "summary"},
                    {"messages", sent},
                    {"datagrams", datagrams},
                    {"seconds", secs},
                    {"rate", rate}});
    } else {
        out.debug(fmt::format("sent {} message{} ({} datagrams) in {:.3f} s, {:.0f} messages/s",
                              sent, sent == 1 ? "" : "s", datagrams, secs, rate));
    }
    return skipped > 0 ? exit_error : exit_ok;
}

} // namespace mcast::cli
