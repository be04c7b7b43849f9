// Session: composes the Asio edge (one MulticastSocket per family, a rescan timer for interfaces
// that come and go) with the sans-IO Receiver and Sender, and dispatches verified messages to
// the registered handlers. Copies of one message over several families or interfaces are
// delivered once because the receiver's replay window reports them as duplicates.
#include "net/address.hpp"
#include "net/interfaces.hpp"
#include "net/multicast_socket.hpp"
#include "protocol/batcher.hpp"
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"

#include "protocol/send_budget.hpp"
#include "verify_pool.hpp"
#include "wall_clock.hpp"

#include <mcast/scope.hpp>
#include <mcast/session.hpp>

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace mcast {

namespace asio = boost::asio;

struct Session::Impl {
    struct MessageSub {
        std::size_t handle;
        std::string topic;
        std::uint8_t type;
        MessageHandler fn;
    };
    template <class F> struct Sub {
        std::size_t handle;
        F fn;
    };

    asio::io_context& io;
    Identity id;
    SessionOptions opts;
    std::uint64_t incarnation = random_incarnation();
    Receiver receiver{id.public_key(), incarnation, opts.replay};
    // With opts.threads above 1: the workers that check a wake-up's signatures together
    // (Receiver::ingest_batch); without, each datagram is ingested in turn.
    std::unique_ptr<detail::VerifyPool> pool;
    std::vector<Arrived> arrived; // a wake-up's datagrams, for ingest_batch
    // Reads still to ingest one by one after a read whose plan found fewer than two signatures
    // (a batch-signed stream: one root per read): its plan costs some 6 % more CPU for nothing
    // there (docs/architecture.md), so it is tried again only every 16th read.
    unsigned reads_without_plan = 0;
    Sender sender{id, incarnation};
    // Bulk streams (SendOptions::batch): datagrams wait here up to opts.batch_delay and are
    // signed 32 at a time; `batch_to` says where each goes, in the same order.
    struct BatchDest {
        int family;
        unsigned ifindex;
        bool priv;
        bool operator==(const BatchDest&) const = default;
    };
    Batcher batcher{id, {.max_size = max_batch_size, .delay = opts.batch_delay}};
    std::deque<BatchDest> batch_to;
    asio::steady_timer batch_timer{io};
    bool batch_timer_armed = false;
    // Per family: the shared socket (mcast port, joined to the group) and a private one (an
    // ephemeral port) that unicast goes out of, so unicast answers come back to this process
    // even when other mcast processes on the host share the mcast port.
    std::unique_ptr<net::MulticastSocket> sock4, sock6, priv4, priv6;
    std::map<unsigned, JoinedInterface> joined; // by index
    std::vector<MessageSub> subs;
    std::vector<Sub<DropHandler>> drop_handlers;
    std::vector<Sub<InterfaceHandler>> interface_handlers;
    std::vector<Sub<std::function<void(const SendRefusal&)>>> refusal_handlers;
    std::set<std::tuple<int, unsigned, bool, int>> refusals_told; // family, ifindex, unicast, errno
    std::size_t next_handle = 1;
    asio::steady_timer rescan_timer{io};
    bool running = false;
    // Unicast goes where a datagram from the network asked (answers, replies, reports): to the
    // claimed source, which may be a third host's, or an on-link address nobody answers ARP/ND
    // for, where it waits in the send queue for seconds. Per destination address at most 20 a
    // second (40 at once), and 400 a second for all: what can wait there (some 1200 datagrams
    // for the 3 s of a failed resolution) fits the private socket's send buffer, so answers to
    // real queriers still find room. See docs/security.md.
    detail::SendBudget unicast_budget{
        {.per_key_rate = 20, .per_key_burst = 40, .total_rate = 400, .total_burst = 400}};
    std::uint64_t unicast_refused = 0;
    // The fastest seal (encode + sign) so far, in ns (0: none yet): what a responder adds to its
    // hold time (see seal_floor_ns in session.hpp).
    std::int64_t fastest_seal_ns = 0;
    // Completions already queued when the session goes away check this before touching it.
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    Impl(asio::io_context& io_, Identity id_, SessionOptions o)
        : io(io_), id(std::move(id_)), opts(std::move(o)) {
        if (opts.batch_delay.count() < 0) throw SessionError("batch delay must not be negative");
        if (opts.accept) receiver.set_accept(opts.accept);
        if (opts.prefer) receiver.set_protected(opts.prefer);
        const unsigned threads =
            opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
        if (threads > 1) {
            pool = std::make_unique<detail::VerifyPool>(threads);
            receiver.set_parallel(
                [p = pool.get()](std::size_t n, const auto& fn) { p->run(n, fn); });
        }
    }

    bool wanted(const net::InterfaceInfo& i) const {
        if (!i.up) return false;
        if (opts.interfaces.empty()) return i.multicast && !i.loopback;
        return std::find(opts.interfaces.begin(), opts.interfaces.end(), i.name) !=
               opts.interfaces.end();
    }

    // Joins interfaces that are new or gained an address, leaves those that went away.
    void rescan() {
        std::map<unsigned, JoinedInterface> now;
        for (const auto& i : net::list_interfaces()) {
            if (!wanted(i)) continue;
            JoinedInterface j{i.name, i.index, false, false, {}, {}, {}};
            if (i.ipv4) j.address4 = net::address_text(*i.ipv4);
            if (i.ipv6_link_local) j.address6 = net::address_text(*i.ipv6_link_local);
            for (const auto& a : i.ipv6_routable)
                j.routable6.push_back(net::address_text(a));
            auto old = joined.find(i.index);
            if (sock4 && i.ipv4)
                j.ipv4 = (old != joined.end() && old->second.ipv4) || sock4->join(i.index);
            if (sock6 && i.ipv6_link_local)
                j.ipv6 = (old != joined.end() && old->second.ipv6) || sock6->join(i.index);
            if (j.ipv4 || j.ipv6) now.emplace(i.index, j);
        }
        for (const auto& [index, j] : joined) {
            auto n = now.find(index);
            if (j.ipv4 && sock4 && (n == now.end() || !n->second.ipv4)) sock4->leave(index);
            if (j.ipv6 && sock6 && (n == now.end() || !n->second.ipv6)) sock6->leave(index);
        }
        bool changed = now.size() != joined.size() ||
                       !std::equal(now.begin(), now.end(), joined.begin(), [](auto& a, auto& b) {
                           return a.first == b.first && a.second.ipv4 == b.second.ipv4 &&
                                  a.second.ipv6 == b.second.ipv6 &&
                                  a.second.name == b.second.name &&
                                  a.second.address4 == b.second.address4 &&
                                  a.second.address6 == b.second.address6 &&
                                  a.second.routable6 == b.second.routable6;
                       });
        joined = std::move(now);
        if (changed) {
            auto now_joined = snapshot();
            for (auto& h : copy_of(interface_handlers))
                h(now_joined);
        }
    }

    std::vector<JoinedInterface> snapshot() const {
        std::vector<JoinedInterface> v;
        for (const auto& [_, j] : joined)
            v.push_back(j);
        return v;
    }

    void schedule_rescan() {
        rescan_timer.expires_after(opts.rescan_interval);
        rescan_timer.async_wait(
            [this, alive = std::weak_ptr<bool>(alive)](boost::system::error_code ec) {
                if (ec || alive.expired() || !running) return;
                rescan();
                schedule_rescan();
            });
    }

    // Handlers are called from a copy: a handler may register or remove handlers.
    template <class F> static std::vector<F> copy_of(const std::vector<Sub<F>>& v) {
        std::vector<F> out;
        for (const auto& s : v)
            out.push_back(s.fn);
        return out;
    }

    // The Subscription of one entry of one of the handler lists: it removes the entry unless
    // the session is gone.
    template <class List>
    static Subscription subscription(const std::shared_ptr<Impl>& impl, List Impl::*list,
                                     std::size_t handle) {
        return Subscription([weak = std::weak_ptr<Impl>(impl), list, handle] {
            if (auto i = weak.lock())
                std::erase_if((*i).*list, [&](const auto& e) { return e.handle == handle; });
        });
    }

    void dropped(DropReason r, const Arrival& a) {
        for (auto& h : copy_of(drop_handlers))
            h(DropEvent{r, a});
    }

    void note_seal(std::chrono::steady_clock::duration took) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
        if (fastest_seal_ns == 0 || ns < fastest_seal_ns) fastest_seal_ns = ns;
    }

    static std::chrono::nanoseconds lag_of(const net::Datagram& d, std::int64_t wall_now) {
        return d.rx_wall_ns ? std::chrono::nanoseconds(wall_now - d.rx_wall_ns)
                            : std::chrono::nanoseconds(0);
    }

    // One read of a socket: each datagram in turn, or (with the pool) all together through
    // ingest_batch, delivered in the same order. A handler may close or destroy the session:
    // nothing more is read or delivered then.
    void on_datagrams(std::span<const net::Datagram> ds) {
        const std::weak_ptr<bool> token = alive;
        if (!pool || ds.size() < 2 || reads_without_plan > 0) {
            if (reads_without_plan > 0) --reads_without_plan;
            for (const auto& d : ds) {
                auto result =
                    receiver.ingest(d.bytes, std::chrono::steady_clock::now(),
                                    net::source_tag(d.source), lag_of(d, detail::wall_now_ns()));
                deliver(d, result);
                if (token.expired() || !running) return;
            }
            return;
        }
        const auto wall_now = detail::wall_now_ns();
        arrived.clear();
        for (const auto& d : ds)
            arrived.push_back({d.bytes, net::source_tag(d.source), lag_of(d, wall_now)});
        const auto signatures = receiver.ingest_batch(arrived, std::chrono::steady_clock::now(),
                                                      [&](std::size_t i, IngestResult& result) {
                                                          deliver(ds[i], result);
                                                          return !token.expired() && running;
                                                      });
        if (token.expired()) return;
        if (signatures < 2) reads_without_plan = 15;
    }

    void deliver(const net::Datagram& d, IngestResult& result) {
        if (result.dropped) {
            if (!drop_handlers.empty()) dropped(*result.dropped, arrival(d));
            return;
        }
        Message m{std::move(result.message.header), std::move(result.message.values),
                  result.message.sender_id, arrival(d)};
        bool handled = false;
        // Copy the matching handlers first: a handler may register or remove handlers. Each is
        // looked up again before its call, so one removed meanwhile is not called.
        std::vector<std::pair<std::size_t, MessageHandler>> targets;
        for (const auto& s : subs)
            if (s.type == m.header.type && (s.topic.empty() || s.topic == m.header.topic))
                targets.emplace_back(s.handle, s.fn);
        for (auto& [handle, fn] : targets) {
            if (!running) break;
            bool still = std::any_of(subs.begin(), subs.end(),
                                     [h = handle](const MessageSub& s) { return s.handle == h; });
            if (!still) continue;
            fn(m);
            handled = true;
        }
        if (!handled) {
            receiver.count_drop(DropReason::unhandled);
            dropped(DropReason::unhandled, m.arrival);
        }
    }

    // Sends sealed batch datagrams to the group, each where its send asked, and tells new
    // refusals as send() does. A run with one destination (a stream's whole batch) goes out in
    // one sendmmsg per interface and family: the receiver's duplicate memory (256 seqs) holds the
    // first family's copies of a run until the other family's arrive.
    void transmit_batch(std::vector<ByteBuffer> sealed) {
        std::vector<SendRefusal> news;
        std::vector<ByteView> run;
        for (std::size_t at = 0; at < sealed.size() && !batch_to.empty();) {
            const auto dest = batch_to.front(); // one destination per datagram added
            run.clear();
            while (at < sealed.size() && !batch_to.empty() && batch_to.front() == dest) {
                run.emplace_back(sealed[at++]);
                batch_to.pop_front();
            }
            auto* s4 = dest.family == 6 ? nullptr : dest.priv ? priv4.get() : sock4.get();
            auto* s6 = dest.family == 4 ? nullptr : dest.priv ? priv6.get() : sock6.get();
            for (const auto& [index, j] : joined) {
                if (dest.ifindex && index != dest.ifindex) continue;
                auto out = [&](net::MulticastSocket* sock, int family) {
                    int e = 0;
                    sock->send_many(run, index, &e);
                    if (e && refusals_told.emplace(family, index, false, e).second)
                        news.push_back({family, j.name, index, false, e});
                };
                if (s4 && j.ipv4) out(s4, 4);
                if (s6 && j.ipv6) out(s6, 6);
            }
        }
        for (const auto& n : news)
            for (auto& h : copy_of(refusal_handlers))
                h(n);
    }

    void flush_batch() {
        if (batcher.pending() > 0) transmit_batch(batcher.flush());
    }

    // The batch timer: armed for the open batch's bound whenever one is open.
    void arm_batch_timer() {
        auto when = batcher.next_wakeup();
        if (!when || batch_timer_armed || !running) return;
        batch_timer_armed = true;
        batch_timer.expires_at(*when);
        batch_timer.async_wait(
            [this, alive = std::weak_ptr<bool>(alive)](boost::system::error_code ec) {
                if (ec || alive.expired()) return;
                batch_timer_armed = false;
                transmit_batch(batcher.wake(std::chrono::steady_clock::now()));
                arm_batch_timer();
            });
    }

    Arrival arrival(const net::Datagram& d) const {
        Arrival a;
        a.family = d.family;
        a.source = net::address_text(d.source, a.source_port);
        a.ifindex = d.ifindex;
        auto it = joined.find(d.ifindex);
        a.ifname = it != joined.end() ? it->second.name : net::interface_name(d.ifindex);
        a.rx_wall_ns = d.rx_wall_ns;
        a.multicast = d.multicast;
        a.hop_limit = d.hop_limit;
        a.hops = hop_distance(d.hop_limit, opts.ttl);
        return a;
    }
};

Session::Session(asio::io_context& io, Identity id, SessionOptions opts)
    : impl_(std::make_shared<Impl>(io, std::move(id), std::move(opts))) {}

Session::~Session() {
    close();
}

Subscription Session::on_message(MessageHandler h, std::string topic, MessageType type) {
    auto handle = impl_->next_handle++;
    impl_->subs.push_back({handle, std::move(topic), type_byte(type), std::move(h)});
    return Impl::subscription(impl_, &Impl::subs, handle);
}

Subscription Session::on_drop(DropHandler h) {
    auto handle = impl_->next_handle++;
    impl_->drop_handlers.push_back({handle, std::move(h)});
    return Impl::subscription(impl_, &Impl::drop_handlers, handle);
}

Subscription Session::on_interfaces(InterfaceHandler h) {
    auto handle = impl_->next_handle++;
    impl_->interface_handlers.push_back({handle, std::move(h)});
    return Impl::subscription(impl_, &Impl::interface_handlers, handle);
}

Subscription Session::on_send_refused(std::function<void(const SendRefusal&)> h) {
    auto handle = impl_->next_handle++;
    impl_->refusal_handlers.push_back({handle, std::move(h)});
    return Impl::subscription(impl_, &Impl::refusal_handlers, handle);
}

void Session::start() {
    // Three warm-up signatures of a datagram-sized buffer give seal_floor_ns() its first value
    // before any reply is sealed (the first seal of a process runs cold).
    if (impl_->fastest_seal_ns == 0) {
        std::array<std::uint8_t, 256> sample{};
        for (int i = 0; i < 3; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            (void)impl_->id.sign(ByteView(sample.data(), sample.size()));
            impl_->note_seal(std::chrono::steady_clock::now() - t0);
        }
    }
    auto& o = impl_->opts;
    if (!o.ipv4 && !o.ipv6) throw SessionError("neither IPv4 nor IPv6 is enabled");
    if (o.ttl < 0 || o.ttl > 255) throw SessionError("TTL must be 0-255");
    auto all = net::list_interfaces();
    for (const auto& name : o.interfaces) {
        auto it = std::find_if(all.begin(), all.end(), [&](auto& i) { return i.name == name; });
        if (it == all.end()) throw SessionError("interface '" + name + "' does not exist");
    }
    try {
        auto open = [&](int family, const std::string& group, std::uint16_t bind) {
            return std::make_unique<net::MulticastSocket>(impl_->io, family, group, o.port, bind,
                                                          o.ttl, o.loopback);
        };
        // SSM sources by family; each family's shared socket joins (S,G) for its own.
        std::vector<std::string> sources4, sources6;
        for (const auto& src : o.sources) {
            const bool v6 = src.find(':') != std::string::npos;
            in6_addr parsed{};
            if (::inet_pton(v6 ? AF_INET6 : AF_INET, src.c_str(), &parsed) != 1)
                throw SessionError("source '" + src + "' is not an IPv4 or IPv6 address");
            (v6 ? sources6 : sources4).push_back(src);
        }
        if (o.ipv4) {
            impl_->sock4 = open(4, o.group_v4, o.port);
            impl_->sock4->set_sources(sources4);
            impl_->priv4 = open(4, o.group_v4, 0);
        }
        if (o.ipv6) {
            impl_->sock6 = open(6, o.group_v6, o.port);
            impl_->sock6->set_sources(sources6);
            impl_->priv6 = open(6, o.group_v6, 0);
        }
    } catch (const std::system_error& e) {
        throw SessionError(e.what());
    }
    impl_->running = true;
    impl_->rescan();
    auto handler = [this](std::span<const net::Datagram> ds) { impl_->on_datagrams(ds); };
    for (auto* sock :
         {impl_->sock4.get(), impl_->sock6.get(), impl_->priv4.get(), impl_->priv6.get()})
        if (sock) sock->start(handler);
    if (impl_->opts.rescan_interval.count() > 0) impl_->schedule_rescan();
}

void Session::close() {
    if (!impl_) return;
    if (impl_->running) impl_->flush_batch(); // what waits goes out before the goodbye
    impl_->running = false;
    impl_->rescan_timer.cancel();
    impl_->batch_timer.cancel();
    for (const auto& [index, j] : impl_->joined) {
        if (j.ipv4 && impl_->sock4) impl_->sock4->leave(index);
        if (j.ipv6 && impl_->sock6) impl_->sock6->leave(index);
    }
    impl_->joined.clear();
    for (auto* sock :
         {impl_->sock4.get(), impl_->sock6.get(), impl_->priv4.get(), impl_->priv6.get()})
        if (sock) sock->close();
}

SendResult Session::send(std::string_view topic, const Tuple& values, SendOptions opts) {
    auto& i = *impl_;
    const bool unicast = !opts.unicast_to.empty();
    if (unicast && (opts.ifindex == 0 || (opts.family != 4 && opts.family != 6)))
        throw std::invalid_argument("Session::send: unicast needs an interface and a family");
    // Unicast, and sends whose answers must come back here alone, leave from the private port.
    const bool priv = unicast || opts.private_port;
    auto* s4 = opts.family == 6 ? nullptr : priv ? i.priv4.get() : i.sock4.get();
    auto* s6 = opts.family == 4 ? nullptr : priv ? i.priv6.get() : i.sock6.get();
    SendResult r;
    if (opts.batch && !unicast && i.opts.batch_delay.count() > 0) {
        bool somewhere = false;
        for (const auto& [index, j] : i.joined)
            if ((!opts.ifindex || index == opts.ifindex) && ((j.ipv4 && s4) || (j.ipv6 && s6)))
                somewhere = true;
        if (!somewhere) {
            r.no_interface = true;
            return r;
        }
        auto body = i.sender.body(type_byte(opts.type), topic, values, detail::wall_now_ns());
        i.batch_to.push_back({opts.family, opts.ifindex, priv});
        r.queued = true;
        r.sent_at_ns = detail::wall_now_ns();
        i.transmit_batch(i.batcher.add(std::move(body), std::chrono::steady_clock::now()));
        i.arm_batch_timer();
        return r;
    }
    // Whatever waits in a batch goes first: a session's datagrams leave in sequence order.
    i.flush_batch();
    if (unicast && !i.unicast_budget.allow(opts.unicast_to, std::chrono::steady_clock::now())) {
        ++i.unicast_refused; // beyond the destination's share: see unsent()
        r.refused = true;
        return r;
    }
    std::optional<ByteBuffer> datagram; // sealed once, when there is somewhere to send it
    std::vector<SendRefusal> news;      // refusals not told before
    auto out = [&](net::MulticastSocket* sock, unsigned index) {
        if (!datagram) {
            auto t0 = std::chrono::steady_clock::now();
            datagram = i.sender.seal(type_byte(opts.type), topic, values, detail::wall_now_ns());
            i.note_seal(std::chrono::steady_clock::now() - t0);
            r.sent_at_ns = detail::wall_now_ns();
        }
        int e = unicast ? sock->send_unicast(*datagram, index, opts.unicast_to,
                                             opts.port ? opts.port : i.opts.port, opts.hop_limit)
                        : sock->send(*datagram, index);
        if (e) {
            r.error = e;
            const int family = sock == s4 ? 4 : 6;
            if (i.refusals_told.emplace(family, index, unicast, e).second)
                news.push_back({family, i.joined.at(index).name, index, unicast, e});
        } else {
            ++r.datagrams;
        }
    };
    for (const auto& [index, j] : i.joined) {
        if (opts.ifindex && index != opts.ifindex) continue;
        if (j.ipv4 && s4) out(s4, index);
        if (j.ipv6 && s6) out(s6, index);
    }
    r.no_interface = !datagram;
    for (const auto& n : news)
        for (auto& h : Impl::copy_of(i.refusal_handlers))
            h(n);
    return r;
}

SendResult Session::reply(const Arrival& to, std::string_view topic, const Tuple& values,
                          MessageType type, ReplyTo how) {
    SendOptions o;
    o.type = type;
    o.family = to.family;
    o.ifindex = to.ifindex;
    if (how == ReplyTo::sender) {
        o.unicast_to = to.source;
        o.port = to.source_port;
        // Back over the routers the query crossed, no further, never beyond the scope
        // (docs/protocol.md 1.1).
        o.hop_limit = answer_hop_limit(to.hop_limit, impl_->opts.ttl);
    }
    return send(topic, values, std::move(o));
}

std::string SendResult::why() const {
    if (datagrams > 0) return {};
    if (refused) return "not sent: beyond the destination's share of unicast";
    if (error) return std::string("send failed: ") + std::strerror(error);
    return "no usable interface (none is up with multicast and an address; name one with -i)";
}

void Session::flush() {
    impl_->flush_batch();
}

std::optional<std::chrono::steady_clock::time_point> Session::batch_deadline() const {
    return impl_->batcher.next_wakeup();
}

std::chrono::nanoseconds Session::batch_delay() const {
    return impl_->opts.batch_delay;
}

std::size_t Session::batch_overhead() const {
    if (impl_->opts.batch_delay.count() == 0) return 0;
    return batch_fields_size + 32 * 5; // size, index, root and a path of 5 (a batch of 17-32)
}

std::int64_t Session::seal_floor_ns() const {
    return impl_->fastest_seal_ns;
}

boost::asio::io_context& Session::io() {
    return impl_->io;
}

const DropCounters& Session::counters() const {
    return impl_->receiver.counters();
}
std::uint64_t Session::unsent() const {
    std::uint64_t n = impl_->unicast_refused;
    for (auto* sock :
         {impl_->sock4.get(), impl_->sock6.get(), impl_->priv4.get(), impl_->priv6.get()})
        if (sock) n += sock->unsent();
    return n;
}
std::uint64_t Session::kernel_drops() const {
    std::uint64_t n = 0;
    for (auto* sock :
         {impl_->sock4.get(), impl_->sock6.get(), impl_->priv4.get(), impl_->priv6.get()})
        if (sock) n += sock->kernel_drops();
    return n;
}
std::string Session::no_interface_reason() const {
    const auto& o = impl_->opts;
    if (o.interfaces.empty())
        return "no usable interface (none is up with multicast and an address; name one with -i)";
    const auto all = net::list_interfaces();
    std::string why;
    for (const auto& name : o.interfaces) {
        const auto it =
            std::find_if(all.begin(), all.end(), [&](const auto& i) { return i.name == name; });
        std::string one;
        if (it == all.end())
            one = name + " does not exist";
        else if (!it->up)
            one = name + " is down";
        else if (!(o.ipv4 && it->ipv4) && !(o.ipv6 && it->ipv6_link_local))
            one = name + " has no " +
                  (o.ipv4 && o.ipv6 ? "IPv4 address and no IPv6 link-local address"
                   : o.ipv4         ? "IPv4 address"
                                    : "IPv6 link-local address");
        else if (impl_->joined.count(it->index))
            continue;
        else
            one = name + " did not join the group (see -v)";
        why += (why.empty() ? "" : "; ") + one;
    }
    return "no usable interface: " + why;
}

std::vector<JoinedInterface> Session::interfaces() const {
    return impl_->snapshot();
}
std::uint64_t Session::incarnation() const {
    return impl_->incarnation;
}
const Identity& Session::identity() const {
    return impl_->id;
}

} // namespace mcast
