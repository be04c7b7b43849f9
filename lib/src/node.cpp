// Node: announcements on the AnnounceSchedule, answers to queries after a random delay on the
// interface and family the query came in on, goodbyes, and the responders attached to it (ping
// and speed tests always; weather and search the same way).
#include "service_driver.hpp"
#include "wall_clock.hpp"

#include <mcast/node.hpp>
#include <mcast/pinger.hpp>
#include <mcast/speed_test.hpp>

#include <algorithm>
#include <random>
#include <set>

namespace mcast {

struct Node::Impl {
    Session& session;
    NodeOptions opts;
    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> uniform{0.0, 1.0};
    std::optional<AnnounceSchedule> schedule;
    ServiceDriver driver{session.io()};
    std::vector<Subscription> subs;
    std::function<void(const Message&)> conflict_handler;
    std::function<void(const NodeInfo&)> announce_handler;
    // What is attached: every node answers mcast ping and takes part in speed tests.
    std::vector<std::unique_ptr<Responder>> responders;
    NodeStats stats;
    std::int64_t started_wall_ns = detail::wall_now_ns();
    std::set<std::uint64_t> reported_twins;

    Impl(Session& s, NodeOptions o) : session(s), opts(std::move(o)) {
        if (opts.lifetime.count() == 0) opts.lifetime = opts.interval * 3;
    }

    NodeInfo info() const {
        NodeInfo i;
        i.name = opts.name;
        i.lifetime = opts.lifetime;
        i.meta = opts.meta;
        for (const auto& j : session.interfaces()) {
            if (j.ipv4 && !j.address4.empty()) i.addresses.push_back({4, j.address4, j.name});
            if (j.ipv6 && !j.address6.empty()) i.addresses.push_back({6, j.address6, j.name});
            // Its ULA and global addresses too: a node behind a router cannot use a link-local one.
            if (j.ipv6)
                for (const auto& a : j.routable6)
                    i.addresses.push_back({6, a, j.name});
        }
        return i;
    }

    // The driver's wake-up: an announcement is due.
    MonoTime announce(MonoTime now) {
        auto i = info();
        try {
            SendOptions o;
            o.type = MessageType::announce;
            if (session.send("", encode_announce(i), o)) {
                ++stats.announcements;
                if (announce_handler) announce_handler(i);
            }
            // else: no interface right now; the next rescan that finds one re-announces.
        } catch (const std::exception&) {
            // A message too large to send (the CLI checks the size of what it announces).
        }
        schedule->sent(now);
        return schedule->next();
    }

    // What the node announces changed: a new burst, starting now.
    void changed() {
        if (!driver.running()) return;
        schedule->changed(std::chrono::steady_clock::now());
        driver.wake_at(schedule->next());
    }

    void on_query(const Message& m) {
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
        // The answer goes to the querier alone, by unicast to the port its query came from:
        // other nodes need not verify it, which keeps a query to N nodes at N verifications.
        driver.after(
            std::chrono::duration_cast<std::chrono::nanoseconds>(delay),
            [this, nonce = q->nonce, to = m.arrival] {
                if (session.reply(to, "", encode_answer({nonce, info()}), MessageType::answer))
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
        // Announce at once, so that the twin hears this identity from another incarnation too
        // and warns on its side, rather than an interval later (or never, if it only answers).
        changed();
    }
};

Node::Node(Session& session, NodeOptions opts)
    : impl_(std::make_unique<Impl>(session, std::move(opts))) {}

Node::~Node() = default; // the Impl's Subscription handles unregister its handlers

void Node::start() {
    auto& i = *impl_;
    AnnounceConfig cfg;
    cfg.interval = i.opts.interval;
    cfg.start_delay_max = i.opts.start_delay_max;
    cfg.first_gap = std::min(cfg.first_gap, i.opts.interval);
    i.schedule.emplace(cfg, std::chrono::steady_clock::now(), [&i] { return i.uniform(i.rng); });
    auto on = [&i](MessageType t, void (Impl::*f)(const Message&)) {
        i.subs.push_back(
            i.session.on_message(i.driver.guard([&i, f](const Message& m) { (i.*f)(m); }), {}, t));
    };
    on(MessageType::query, &Impl::on_query);
    on(MessageType::announce, &Impl::on_presence);
    on(MessageType::answer, &Impl::on_presence);
    // New addresses: tell everyone.
    i.subs.push_back(i.session.on_interfaces(i.driver.guard([&i](auto&) { i.changed(); })));
    attach(std::make_unique<PingResponder>(i.session, i.opts.name));
    attach(std::make_unique<SpeedResponder>(i.session, i.opts.name));
    i.driver.start([&i](MonoTime now) { return i.announce(now); }, i.schedule->next());
}

void Node::stop() {
    auto& i = *impl_;
    if (!i.driver.running()) return;
    i.driver.stop();
    i.responders.clear();
    SendOptions o;
    o.type = MessageType::goodbye;
    (void)i.session.send("", {}, o); // nowhere to say goodbye: receivers will expire us
}

void Node::set_meta(Meta meta) {
    impl_->opts.meta = std::move(meta);
    impl_->changed();
}

void Node::attach(std::unique_ptr<Responder> r) {
    impl_->responders.push_back(std::move(r));
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
