// Node: announcements on the AnnounceSchedule, answers to queries after a random delay on the
// interface and family the query came in on, goodbyes, and pluggable responders.
#include "wall_clock.hpp"

#include <mcast/node.hpp>
#include <mcast/pinger.hpp>
#include <mcast/speed_test.hpp>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <list>
#include <random>
#include <set>

namespace mcast {

namespace asio = boost::asio;

struct Node::Impl {
    Session& session;
    NodeOptions opts;
    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    std::optional<AnnounceSchedule> schedule;
    asio::steady_timer timer;
    std::list<asio::steady_timer> answer_timers;
    Subscriptions subs{session};
    std::function<void(const Message&)> conflict_handler;
    std::function<void(const NodeInfo&)> announce_handler;
    std::unique_ptr<PingResponder> ping;   // every node answers mcast ping
    std::unique_ptr<SpeedResponder> speed; // and takes part in speed tests
    NodeStats stats;
    bool running = false;
    std::int64_t started_wall_ns = detail::wall_now_ns();
    std::set<std::uint64_t> reported_twins;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    Impl(Session& s, NodeOptions o) : session(s), opts(std::move(o)), timer(session_io()) {
        if (opts.lifetime.count() == 0) opts.lifetime = opts.interval * 3;
    }
    asio::io_context& session_io();

    NodeInfo info() const {
        NodeInfo i;
        i.name = opts.name;
        i.lifetime = opts.lifetime;
        i.meta = opts.meta;
        for (const auto& j : session.interfaces()) {
            if (j.ipv4 && !j.address4.empty()) i.addresses.push_back({4, j.address4, j.name});
            if (j.ipv6 && !j.address6.empty()) i.addresses.push_back({6, j.address6, j.name});
        }
        return i;
    }

    void arm() {
        if (!running) return;
        timer.expires_at(schedule->next());
        timer.async_wait([this, alive = std::weak_ptr<bool>(alive)](boost::system::error_code ec) {
            if (ec || alive.expired() || !running) return;
            announce();
            arm();
        });
    }

    void announce() {
        auto i = info();
        try {
            session.send("", encode_announce(i), type_byte(PresenceType::announce));
            ++stats.announcements;
            if (announce_handler) announce_handler(i);
        } catch (const std::exception&) {
            // No interface right now (the next rescan that finds one re-announces), or a
            // message too large to send (the CLI checks the size of what it announces).
        }
        schedule->sent(std::chrono::steady_clock::now());
    }

    void on_query(const Message& m) {
        if (!running) return;
        ++stats.queries;
        auto q = decode_query(m.values);
        if (!q) return;
        auto mine = id_prefix(session.identity().id());
        if (std::find(q->known.begin(), q->known.end(), mine) != q->known.end()) {
            ++stats.suppressed;
            return;
        }
        // A random delay spreads the answers of many nodes over a few tens of milliseconds.
        auto delay = std::chrono::duration<double, std::milli>(
            static_cast<double>(opts.answer_delay_max.count()) * uniform(rng));
        auto& t = answer_timers.emplace_back(session_io());
        auto it = std::prev(answer_timers.end());
        t.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(delay));
        // The answer goes to the querier alone, by unicast to the port its query came from:
        // other nodes need not verify it, which keeps a query to N nodes at N verifications.
        t.async_wait([this, it, nonce = q->nonce, ifindex = m.arrival.ifindex,
                      family = m.arrival.family, to = m.arrival.source,
                      port = m.arrival.source_port,
                      alive = std::weak_ptr<bool>(alive)](boost::system::error_code ec) {
            if (alive.expired()) return;
            answer_timers.erase(it);
            if (ec || !running) return;
            if (session.send_on(ifindex, family, "", encode_answer({nonce, info()}),
                                type_byte(PresenceType::answer), &to, nullptr, port))
                ++stats.answers;
        });
    }

    void on_presence(const Message& m) {
        // Our key, another process: a second node claims this identity. Our own clock stamped
        // the datagram if it is one of ours, so one from before we started is a replay of an
        // earlier run, not a twin; and each twin incarnation is reported once.
        if (m.header.sender != session.identity().public_key() ||
            m.header.incarnation == session.incarnation() || !conflict_handler)
            return;
        if (m.header.timestamp_ns < started_wall_ns - std::int64_t{5'000'000'000}) return;
        if (!reported_twins.insert(m.header.incarnation).second) return;
        conflict_handler(m);
    }
};

asio::io_context& Node::Impl::session_io() {
    return session.io();
}

Node::Node(Session& session, NodeOptions opts)
    : impl_(std::make_unique<Impl>(session, std::move(opts))) {}

Node::~Node() = default; // the Impl's Subscriptions unregister its handlers

void Node::start() {
    auto& i = *impl_;
    i.running = true;
    AnnounceConfig cfg;
    cfg.interval = i.opts.interval;
    cfg.start_delay_max = i.opts.start_delay_max;
    cfg.first_gap = std::min(cfg.first_gap, i.opts.interval);
    i.schedule.emplace(cfg, std::chrono::steady_clock::now(), [&i] { return i.uniform(i.rng); });
    i.subs.add([&i](const Message& m) { i.on_query(m); }, type_byte(PresenceType::query));
    for (auto t : {PresenceType::announce, PresenceType::answer})
        i.subs.add([&i](const Message& m) { i.on_presence(m); }, type_byte(t));
    i.ping = std::make_unique<PingResponder>(i.session, i.opts.name);
    i.speed = std::make_unique<SpeedResponder>(i.session, i.opts.name);
    i.session.on_interfaces([&i, alive = std::weak_ptr<bool>(i.alive)](auto&) {
        if (alive.expired() || !i.running) return;
        i.schedule->changed(std::chrono::steady_clock::now()); // new addresses: tell everyone
        i.timer.cancel();
        i.arm();
    });
    i.arm();
}

void Node::stop() {
    auto& i = *impl_;
    if (!i.running) return;
    i.running = false;
    i.timer.cancel();
    for (auto& t : i.answer_timers)
        t.cancel();
    try {
        i.session.send("", {}, type_byte(PresenceType::goodbye));
    } catch (const std::exception&) {
        // Nowhere to say goodbye: receivers will expire us.
    }
}

void Node::set_meta(Meta meta) {
    impl_->opts.meta = std::move(meta);
    if (!impl_->running) return;
    impl_->schedule->changed(std::chrono::steady_clock::now());
    impl_->timer.cancel();
    impl_->arm();
}

void Node::add_responder(std::uint8_t type, Session::MessageHandler h) {
    impl_->subs.add(std::move(h), type);
}

void Node::on_conflict(std::function<void(const Message&)> h) {
    impl_->conflict_handler = std::move(h);
}

void Node::on_announce(std::function<void(const NodeInfo&)> h) {
    impl_->announce_handler = std::move(h);
}

NodeInfo Node::info() const {
    return impl_->info();
}
const NodeStats& Node::stats() const {
    return impl_->stats;
}

} // namespace mcast
