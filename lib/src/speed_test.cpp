// SpeedResponder and SpeedSender; see speed_test.hpp.
#include "protocol/speed_answer_rule.hpp"
#include "service_driver.hpp"
#include "wall_clock.hpp"

#include <mcast/pinger.hpp>
#include <mcast/speed_test.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <stdexcept>

namespace mcast {

namespace {

constexpr std::size_t max_tests = 4; // tests a responder keeps counters for

// A stream too slow to fill its batches pads for none, so its datagrams are up to a full
// batch's fields and path (5 hashes for 32 datagrams) larger than asked: still one datagram.
static_assert(max_probe_size + batch_fields_size + 5 * 32 <=
              std::min(max_udp_payload_ipv4, max_udp_payload_ipv6));

// What this node dropped unread or unverified because it was too slow, as running totals:
// its kernel, for a full receive queue (SO_RXQ_OVFL, summed over its sockets); and its
// session, from a backlog read too late: a busy source's datagrams skipped by fair share
// (counted rate_limited) or read after their timestamps had left the replay window (counted
// replay, as real replays are, hence an upper bound).
using Drops = SpeedDrops;

} // namespace

struct SpeedResponder::Impl {
    Session& session;
    std::string name;
    struct Test {
        PublicKeyBytes sender; // counters belong to the key that started the test
        SpeedCounter counter;
        Drops before;           // the session's drops before the test's first datagram
        SpeedAnswerRule answer; // which end markers get a report
    };
    std::deque<Test> tests; // most recent last
    std::vector<Subscription> subs;

    Impl(Session& s, std::string n) : session(s), name(std::move(n)) {}

    Drops receiver_drops() const {
        const auto& c = session.counters();
        return {session.kernel_drops(), c[DropReason::rate_limited] + c[DropReason::replay]};
    }

    Test* find(const PublicKeyBytes& sender, const Nonce& test) {
        for (auto& t : tests)
            if (t.sender == sender && t.counter.report().test == test) return &t;
        return nullptr;
    }

    void on_data(const Message& m) {
        auto d = decode_speed_data(m.values);
        if (!d) return;
        auto rx = m.arrival.rx_wall_ns ? m.arrival.rx_wall_ns : detail::wall_now_ns();
        auto bytes = min_datagram_size + m.header.topic.size() + encoded_size(m.values);
        Test* t = find(m.header.sender, d->test);
        if (!t) { // a new test: the drops so far are not its own (read once, not per datagram)
            if (tests.size() >= max_tests) tests.pop_front();
            t = &tests.emplace_back(
                Test{m.header.sender, SpeedCounter(d->test), receiver_drops(), {}});
        }
        t->counter.add(d->seq, m.header.timestamp_ns, rx, bytes);
    }

    void on_end(const Message& m) {
        auto e = decode_speed_end(m.values);
        if (!e) return;
        // Only the sender of a test gets its report, only for a test we counted, and only
        // once per state of its counters, or again a second after the last one (a report lost
        // on the way): a stray, forged or repeated end marker makes no node send more than one
        // report a second. (The end marker repeats, over both families: one that overtakes
        // the data still queued on the other family's socket gets an updated report later.)
        // A marker that asks for the drops gets a report with them even when one without them
        // (the answer to the plain marker, which the sender also sends for older responders)
        // went out for the same counts, and again when only the drops grew: a backlog read late
        // and dropped counts nothing as received, yet it is what the sender must hear about.
        auto* t = find(m.header.sender, e->test);
        if (!t) return;
        const auto received = t->counter.report().received;
        // Dropped between the test's first datagram and this end marker (they came the same
        // way, the marker last): this node read too slowly. The totals count datagrams of
        // anything on its sockets, so the figures are upper bounds for this test's.
        const Drops drops = receiver_drops() - t->before;
        const auto asked = e->wants_drops ? std::optional<Drops>(drops) : std::nullopt;
        const auto now = std::chrono::steady_clock::now();
        if (!t->answer.should_answer(received, asked, now)) return;
        SpeedReport r = t->counter.report();
        r.test = e->test;
        r.name = name;
        if (e->wants_drops) {
            r.kernel_drops = static_cast<std::int64_t>(drops.kernel);
            r.backlog_drops = static_cast<std::int64_t>(drops.backlog);
        }
        // Back to the sender's private port: reports need not reach anyone else.
        if (session.reply(m.arrival, "", encode_speed_report(r), MessageType::speed_report))
            t->answer.answered(r.received, asked, now);
    }
};

SpeedResponder::SpeedResponder(Session& session, std::string name)
    : impl_(std::make_unique<Impl>(session, std::move(name))) {
    auto& i = *impl_;
    i.subs.push_back(
        session.on_message([&i](const Message& m) { i.on_data(m); }, {}, MessageType::speed_data));
    i.subs.push_back(
        session.on_message([&i](const Message& m) { i.on_end(m); }, {}, MessageType::speed_end));
}

SpeedResponder::~SpeedResponder() =
    default; // the Impl's Subscription handles unregister its handlers

struct SpeedSender::Impl {
    Session& session;
    SpeedConfig cfg;
    Nonce test{};
    SpeedResult result;
    ServiceDriver driver{session.io()};
    Subscription sub, refused_sub;
    std::size_t pad = 0;
    MonoTime start{}, stop_at{};
    bool sending = true; // then the end markers, until the reports settle
    int ends_sent = 0;
    MonoTime last_news{};
    std::function<void(const SpeedResult&)> done_handler;

    Impl(Session& s, SpeedConfig c) : session(s), cfg(c) {
        if (cfg.size > max_probe_size)
            throw std::invalid_argument(fmt::format(
                "speed datagram size {} above the largest, {} bytes", cfg.size, max_probe_size));
        RAND_bytes(test.data(), static_cast<int>(test.size()));
        SpeedData probe{test, 1, 0};
        // Batch-signed data carries its batch fields and path too: where batches fill (32
        // datagrams within the batch delay, or an unpaced stream) the pad leaves room for a full
        // batch's, so the datagram is the size asked for. Slower streams make smaller batches,
        // whose datagrams are up to that much larger (or exact, for a batch of one).
        const double per_delay = cfg.rate * std::chrono::duration<double>(s.batch_delay()).count();
        const bool full = cfg.rate <= 0 || per_delay >= static_cast<double>(max_batch_size);
        auto base = min_datagram_size + (full ? s.batch_overhead() : 0) +
                    encoded_size(encode_speed_data(probe));
        pad = cfg.size > base ? cfg.size - base : 0;
    }

    // One seal per datagram, sent on every interface of the family: a receiver reached twice
    // sees the second copy as a duplicate, dropped before it is counted. Data is batch-signed
    // (up to 32 datagrams a signature, within the session's batch delay); the end markers are
    // not, and flush the open batch before them.
    bool send_one() {
        SpeedData d{test, result.sent + 1, pad};
        SendOptions o;
        o.type = MessageType::speed_data;
        o.family = cfg.family;
        o.batch = true;
        if (auto r = session.send("", encode_speed_data(d), o); !r) {
            result.send_failure = r.why();
            return false;
        }
        ++result.sent;
        return true;
    }

    // The driver's wake-up: the datagrams due by now, then the end markers.
    MonoTime wake(MonoTime now) {
        if (!sending) return send_end(now);
        if (now >= stop_at) return finish_sending(now);
        double elapsed = std::chrono::duration<double>(now - start).count();
        // Send what is due by now (a bounded batch, so other handlers still run).
        std::int64_t due =
            cfg.rate > 0 ? static_cast<std::int64_t>(elapsed * cfg.rate) + 1 : result.sent + 64;
        for (int n = 0; result.sent < due && n < 256; ++n)
            if (!send_one()) return finish_sending(now); // refused, or no interface: end now
        if (cfg.rate > 0 && result.sent >= due) {
            auto next =
                start +
                std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::duration<double>(static_cast<double>(result.sent) / cfg.rate));
            return std::min(next, stop_at);
        }
        return now; // behind (or unpaced): again as soon as other handlers had their turn
    }

    MonoTime finish_sending(MonoTime now) {
        sending = false;
        result.seconds = std::chrono::duration<double>(now - start).count();
        result.sent_rate =
            result.seconds > 0 ? static_cast<double>(result.sent) / result.seconds : 0;
        // Not when this host refused to send: that is no measure of its CPU.
        result.sender_limited =
            result.send_failure.empty() && (cfg.rate == 0 || result.sent_rate < 0.95 * cfg.rate);
        return send_end(now);
    }

    // The end marker repeats every 200 ms (against loss, and because a receiver that fell
    // behind reads it only after its backlog) until reports stop coming: for at least 1.6 s and
    // 500 ms after the last news, or 4 s at most; and while the caller's `complete` says some
    // receiver it waits for has not reported. Reports come back by unicast to the private port
    // it leaves from.
    MonoTime send_end(MonoTime now) {
        // At least 8 markers (1.6 s): a responder whose first address resolution (ARP, IPv6
        // neighbour discovery) of this host was lost sends its report when the kernel tries
        // again, 1 s later; a 1 s floor missed such a report on a lossy link.
        bool settled = !result.reports.empty() && ends_sent >= 8 &&
                       now - last_news >= std::chrono::milliseconds(500) &&
                       (!cfg.complete || cfg.complete(result.reports));
        if (settled || ends_sent >= 20) {
            driver.stop();
            if (done_handler) done_handler(result);
            return MonoTime::max();
        }
        ++ends_sent;
        SendOptions o;
        o.type = MessageType::speed_end;
        o.private_port = true;
        // The marker that asks for the drops first, then the plain one, which older
        // responders (they ignore a three-field marker) answer.
        (void)session.send("", encode_speed_end({test, result.sent, true}), o);
        (void)session.send("", encode_speed_end({test, result.sent, false}), o);
        return now + std::chrono::milliseconds(200);
    }

    void on_report(const Message& m) {
        auto r = decode_speed_report(m.values);
        if (!r || r->test != test) return;
        // News: a new responder, or one that counted or dropped more since its last report (it
        // answered an end marker on the other family's socket while its backlog was still
        // queued on this one): wait for its backlog, so that what it had not yet read is not
        // taken for loss, and what it read too late is known as its own drops.
        const auto dropped = [](const SpeedReport& x) {
            return x.kernel_drops.value_or(0) + x.backlog_drops.value_or(0);
        };
        auto it = result.reports.find(m.sender_id.full());
        if (it == result.reports.end() || r->received > it->second.received ||
            dropped(*r) > dropped(it->second))
            last_news = std::chrono::steady_clock::now();
        auto& kept = result.reports[m.sender_id.full()];
        // A report without the drops (the answer to a plain marker) keeps the figures an
        // earlier report gave: drops only grow, so they stay lower bounds.
        if (!r->kernel_drops) {
            r->kernel_drops = kept.kernel_drops;
            r->backlog_drops = kept.backlog_drops;
        }
        kept = *r;
    }
};

SpeedSender::SpeedSender(Session& session, SpeedConfig cfg)
    : impl_(std::make_unique<Impl>(session, cfg)) {}

SpeedSender::~SpeedSender() = default; // the Impl's Subscription handles unregister its handlers

void SpeedSender::on_done(std::function<void(const SpeedResult&)> h) {
    impl_->done_handler = std::move(h);
}

void SpeedSender::start() {
    auto& i = *impl_;
    i.sub = i.session.on_message(i.driver.guard([&i](const Message& m) { i.on_report(m); }), {},
                                 MessageType::speed_report);
    // Batched datagrams go out (and may be refused) after send() returned: the refusal is
    // heard here, and the stream's result says so.
    i.refused_sub = i.session.on_send_refused([&i](const SendRefusal& r) {
        i.result.refusals.push_back(r);
        if (i.result.send_failure.empty())
            i.result.send_failure = std::string("send failed: ") + std::strerror(r.error);
    });
    i.start = std::chrono::steady_clock::now();
    i.stop_at = i.start + i.cfg.duration;
    i.driver.start([&i](MonoTime now) { return i.wake(now); }, i.start);
}

std::int64_t SpeedSender::sent() const {
    return impl_->result.sent;
}

void SpeedSender::stop() {
    impl_->driver.stop();
}

} // namespace mcast
