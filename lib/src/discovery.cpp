// Discovery: queries on the QueryPlan, a PeerTable fed by announcements, goodbyes and the answers
// to our own queries (an answer whose nonce we never sent is ignored, so a captured answer cannot
// be replayed as fresh), and one driver that wakes it for the next query, expiry or the end of
// the plan.
#include "protocol/recent_nonces.hpp"
#include "service_driver.hpp"

#include <mcast/discovery.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <set>

namespace mcast {

namespace {
constexpr std::size_t max_known_in_query = 1000; // 13 bytes each: ~13 KB at most
} // namespace

struct Discovery::Impl {
    Session& session;
    QueryConfig cfg;
    QueryPlan plan;
    PeerTable table;
    ServiceDriver driver{session.io()};
    detail::RecentNonces<Nonce> nonces; // of the last 5 s: a long run keeps no old ones
    std::vector<Subscription> subs;
    std::function<void(const PeerEvent&)> event_handler;
    std::function<void()> done_handler;
    std::uint64_t queries = 0;
    bool finished = false;

    Impl(Session& s, QueryConfig c)
        : session(s), cfg(c), plan(c, std::chrono::steady_clock::now()) {}

    static bool mine(const JoinedInterface& j, const std::string& address) {
        return !address.empty() &&
               (address == j.address4 || address == j.address6 ||
                std::find(j.routable6.begin(), j.routable6.end(), address) != j.routable6.end());
    }

    bool is_local(const NodeInfo& info, const Arrival& a) const {
        for (const auto& j : session.interfaces()) {
            for (const auto& addr : info.addresses)
                if (mine(j, addr.address)) return true;
            if (mine(j, a.source)) return true;
        }
        return false;
    }

    void emit(const std::vector<PeerEvent>& events) {
        auto now = std::chrono::steady_clock::now();
        for (const auto& e : events) {
            if (e.kind == PeerEventKind::join) plan.found(now, table.size());
            if (event_handler) event_handler(e);
            if (!driver.running()) return;
        }
    }

    void observe(const Message& m, const NodeInfo& info) {
        NodeAddress from{m.arrival.family, m.arrival.source, m.arrival.ifname};
        auto events = table.observe(m.header.sender, m.header.incarnation, info, from,
                                    std::chrono::steady_clock::now(), is_local(info, m.arrival));
        // Its distance, for `discover`'s dist column: from this datagram's arrival hop limit.
        const auto id = NodeId::of(m.header.sender);
        table.set_hops(id, m.arrival.hops);
        for (auto& e : events)
            if (e.peer.id == id) e.peer.hops = m.arrival.hops;
        emit(events);
        reschedule();
    }

    void on_announce(const Message& m) {
        if (auto info = decode_announce(m.values)) observe(m, *info);
    }

    void on_answer(const Message& m) {
        auto a = decode_answer(m.values);
        if (!a || !nonces.contains(a->nonce, std::chrono::steady_clock::now())) return;
        observe(m, a->info);
    }

    void on_goodbye(const Message& m) {
        emit(
            table.goodbye(m.header.sender, m.header.incarnation, std::chrono::steady_clock::now()));
        reschedule();
    }

    void send_query() {
        Query q;
        RAND_bytes(q.nonce.data(), static_cast<int>(q.nonce.size()));
        q.known = table.known_answers(std::chrono::steady_clock::now());
        // Keep the query small (and within what receivers accept): past the cap, nodes that
        // are already known simply answer again.
        if (q.known.size() > max_known_in_query) q.known.resize(max_known_in_query);
        nonces.add(q.nonce, std::chrono::steady_clock::now());
        // From the private port: the answers come back by unicast to this process alone. With
        // no interface yet, the plan's next query tries again.
        SendOptions o;
        o.type = MessageType::query;
        o.private_port = true;
        if (session.send("", encode_query(q), o)) ++queries;
        plan.query_sent(std::chrono::steady_clock::now());
    }

    // The driver's wake-up: expiry, the next query, the end of the plan; returns the next one.
    MonoTime wake(MonoTime now) {
        emit(table.expire(now));
        if (!driver.running()) return MonoTime::max();
        if (plan.next_query() <= now) send_query();
        if (!finished && plan.done(now)) {
            finished = true;
            if (done_handler) done_handler();
            if (!driver.running()) return MonoTime::max();
        }
        return next_wakeup();
    }

    MonoTime next_wakeup() const {
        auto at = finished ? MonoTime::max() : plan.wake_at();
        if (auto e = table.next_expiry()) at = std::min(at, *e);
        return at;
    }

    // After an event: the table's next expiry or the plan's end may have moved.
    void reschedule() { driver.wake_at(next_wakeup()); }
};

Discovery::Discovery(Session& session, QueryConfig cfg)
    : impl_(std::make_unique<Impl>(session, cfg)) {}

Discovery::~Discovery() = default; // the Impl's Subscription handles unregister its handlers

void Discovery::on_event(std::function<void(const PeerEvent&)> h) {
    impl_->event_handler = std::move(h);
}
void Discovery::on_done(std::function<void()> h) {
    impl_->done_handler = std::move(h);
}

void Discovery::start() {
    auto& i = *impl_;
    i.plan = QueryPlan(i.cfg, std::chrono::steady_clock::now());
    auto on = [&i](MessageType t, void (Impl::*f)(const Message&)) {
        i.subs.push_back(
            i.session.on_message(i.driver.guard([&i, f](const Message& m) { (i.*f)(m); }), {}, t));
    };
    on(MessageType::announce, &Impl::on_announce);
    on(MessageType::answer, &Impl::on_answer);
    on(MessageType::goodbye, &Impl::on_goodbye);
    i.driver.start([&i](MonoTime now) { return i.wake(now); });
}

void Discovery::stop() {
    impl_->driver.stop();
}

void Discovery::protect(std::function<bool(const NodeId&)> p) {
    impl_->table.set_protect(std::move(p));
}

const PeerTable& Discovery::table() const {
    return impl_->table;
}
std::uint64_t Discovery::queries_sent() const {
    return impl_->queries;
}

} // namespace mcast
