// Session: composes the Asio edge (one MulticastSocket per family, a rescan timer for interfaces
// that come and go) with the sans-IO Receiver and Sender, and dispatches verified messages to
// the registered handlers. Copies of one message over several families or interfaces are
// delivered once because the receiver's replay window reports them as duplicates.
#include "net/interfaces.hpp"
#include "net/multicast_socket.hpp"

#include "protocol/send_budget.hpp"
#include "wall_clock.hpp"

#include <mcast/session.hpp>

#include <boost/asio/steady_timer.hpp>

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace mcast {

namespace asio = boost::asio;

namespace {

std::string address_text(const sockaddr_storage& ss, std::uint16_t& port) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
        ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
        port = ntohs(a.sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
        ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
        port = ntohs(a.sin6_port);
    }
    return buf;
}

// A stable 64-bit tag of a datagram's source address (not its port), for the failure ration.
std::uint64_t source_tag(const net::Datagram& d) {
    std::uint64_t h = 0xcbf29ce484222325ULL; // FNV-1a over the address bytes
    auto add = [&](const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i)
            h = (h ^ b[i]) * 0x100000001b3ULL;
    };
    if (d.source.ss_family == AF_INET)
        add(&reinterpret_cast<const sockaddr_in&>(d.source).sin_addr, sizeof(in_addr));
    else if (d.source.ss_family == AF_INET6)
        add(&reinterpret_cast<const sockaddr_in6&>(d.source).sin6_addr, sizeof(in6_addr));
    return h;
}

std::string interface_name(unsigned index) {
    char buf[IF_NAMESIZE] = "";
    return ::if_indextoname(index, buf) ? buf : std::to_string(index);
}

} // namespace

struct Session::Impl {
    struct Subscription {
        std::size_t handle;
        std::string topic;
        std::uint8_t type;
        MessageHandler fn;
    };

    asio::io_context& io;
    Identity id;
    SessionOptions opts;
    std::uint64_t incarnation = random_incarnation();
    Receiver receiver{id.public_key(), incarnation, opts.replay};
    Sender sender{id, incarnation};
    // Per family: the shared socket (mcast port, joined to the group) and a private one (an
    // ephemeral port) that unicast goes out of, so unicast answers come back to this process
    // even when other mcast processes on the host share the mcast port.
    std::unique_ptr<net::MulticastSocket> sock4, sock6, priv4, priv6;
    std::map<unsigned, JoinedInterface> joined; // by index
    std::vector<Subscription> subs;
    std::size_t next_handle = 1;
    DropHandler drop_handler;
    std::vector<InterfaceHandler> interface_handlers;
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
        if (opts.accept) receiver.set_accept(opts.accept);
        if (opts.prefer) receiver.set_protected(opts.prefer);
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
            JoinedInterface j{i.name, i.index, false, false, {}, {}};
            char text[INET6_ADDRSTRLEN] = "";
            if (i.ipv4 && ::inet_ntop(AF_INET, &*i.ipv4, text, sizeof text)) j.address4 = text;
            if (i.ipv6_link_local && ::inet_ntop(AF_INET6, &*i.ipv6_link_local, text, sizeof text))
                j.address6 = text;
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
                                  a.second.address6 == b.second.address6;
                       });
        joined = std::move(now);
        if (changed)
            for (auto& h : interface_handlers)
                h(snapshot());
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

    void on_datagram(const net::Datagram& d) {
        auto lag = d.rx_wall_ns ? std::chrono::nanoseconds(detail::wall_now_ns() - d.rx_wall_ns)
                                : std::chrono::nanoseconds(0);
        auto result =
            receiver.ingest(d.bytes, std::chrono::steady_clock::now(), source_tag(d), lag);
        if (result.dropped) {
            if (drop_handler) drop_handler(DropEvent{*result.dropped, arrival(d)});
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
                                     [h = handle](const Subscription& s) { return s.handle == h; });
            if (!still) continue;
            fn(m);
            handled = true;
        }
        if (!handled) {
            receiver.count_drop(DropReason::unhandled);
            if (drop_handler) drop_handler(DropEvent{DropReason::unhandled, m.arrival});
        }
    }

    Arrival arrival(const net::Datagram& d) const {
        Arrival a;
        a.family = d.family;
        a.source = address_text(d.source, a.source_port);
        a.ifindex = d.ifindex;
        auto it = joined.find(d.ifindex);
        a.ifname = it != joined.end() ? it->second.name : interface_name(d.ifindex);
        a.rx_wall_ns = d.rx_wall_ns;
        a.multicast = d.multicast;
        return a;
    }
};

Session::Session(asio::io_context& io, Identity id, SessionOptions opts)
    : impl_(std::make_unique<Impl>(io, std::move(id), std::move(opts))) {}

Session::~Session() {
    close();
}

std::size_t Session::on_message(MessageHandler h, std::string topic, std::uint8_t type) {
    auto handle = impl_->next_handle++;
    impl_->subs.push_back({handle, std::move(topic), type, std::move(h)});
    return handle;
}

void Session::remove_handler(std::size_t handle) {
    std::erase_if(impl_->subs, [&](const auto& s) { return s.handle == handle; });
}

void Session::on_drop(DropHandler h) {
    impl_->drop_handler = std::move(h);
}

void Session::on_interfaces(InterfaceHandler h) {
    impl_->interface_handlers.push_back(std::move(h));
}

void Session::start() {
    // The floor for seal_floor_ns(), from three warm signatures of a datagram-sized buffer.
    // Real seals alone gave no floor: the first of a process runs cold (page faults, OpenSSL's
    // lazy set-up) and took up to 2 ms, so until a warm one came along a responder's hold time
    // exceeded the real one and round trips came out as 0.
    if (impl_->fastest_seal_ns == 0) {
        std::array<std::uint8_t, 256> sample{};
        for (int i = 0; i < 3; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            (void)impl_->id.sign(ByteView(sample.data(), sample.size()));
            auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
            if (impl_->fastest_seal_ns == 0 || took < impl_->fastest_seal_ns)
                impl_->fastest_seal_ns = took;
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
        if (o.ipv4) {
            impl_->sock4 = open(4, o.group_v4, o.port);
            impl_->priv4 = open(4, o.group_v4, 0);
        }
        if (o.ipv6) {
            impl_->sock6 = open(6, o.group_v6, o.port);
            impl_->priv6 = open(6, o.group_v6, 0);
        }
    } catch (const std::system_error& e) {
        throw SessionError(e.what());
    }
    impl_->running = true;
    impl_->rescan();
    auto handler = [this](const net::Datagram& d) { impl_->on_datagram(d); };
    for (auto* sock :
         {impl_->sock4.get(), impl_->sock6.get(), impl_->priv4.get(), impl_->priv6.get()})
        if (sock) sock->start(handler);
    if (impl_->opts.rescan_interval.count() > 0) impl_->schedule_rescan();
}

void Session::close() {
    if (!impl_) return;
    impl_->running = false;
    impl_->rescan_timer.cancel();
    for (const auto& [index, j] : impl_->joined) {
        if (j.ipv4 && impl_->sock4) impl_->sock4->leave(index);
        if (j.ipv6 && impl_->sock6) impl_->sock6->leave(index);
    }
    impl_->joined.clear();
    for (auto* sock :
         {impl_->sock4.get(), impl_->sock6.get(), impl_->priv4.get(), impl_->priv6.get()})
        if (sock) sock->close();
}

std::size_t Session::send(std::string_view topic, const Tuple& values, std::uint8_t type,
                          bool from_private_port, int only_family) {
    auto datagram = impl_->sender.seal(type, topic, values, detail::wall_now_ns());
    auto* s4 = only_family == 6    ? nullptr
               : from_private_port ? impl_->priv4.get()
                                   : impl_->sock4.get();
    auto* s6 = only_family == 4    ? nullptr
               : from_private_port ? impl_->priv6.get()
                                   : impl_->sock6.get();
    std::size_t sent = 0;
    int last_error = 0;
    for (const auto& [index, j] : impl_->joined) {
        if (j.ipv4 && s4) {
            if (int e = s4->send(datagram, index))
                last_error = e;
            else
                ++sent;
        }
        if (j.ipv6 && s6) {
            if (int e = s6->send(datagram, index))
                last_error = e;
            else
                ++sent;
        }
    }
    if (sent == 0) {
        if (last_error)
            throw SessionError(std::string("send failed: ") + std::strerror(last_error));
        throw SessionError("no usable interface (none is up with multicast and an address; "
                           "name one with -i)");
    }
    return sent;
}

bool Session::send_on(unsigned ifindex, int family, std::string_view topic, const Tuple& values,
                      std::uint8_t type, const std::string* unicast_to, std::int64_t* sent_at_ns,
                      std::uint16_t unicast_port) {
    auto it = impl_->joined.find(ifindex);
    if (it == impl_->joined.end()) return false;
    bool up = family == 4 ? it->second.ipv4 : it->second.ipv6;
    // Unicast leaves from the private port, so its unicast replies come back to this process.
    auto* sock = !up          ? nullptr
                 : unicast_to ? (family == 4 ? impl_->priv4.get() : impl_->priv6.get())
                              : (family == 4 ? impl_->sock4.get() : impl_->sock6.get());
    if (!sock) return false;
    auto t0 = std::chrono::steady_clock::now();
    if (unicast_to && !impl_->unicast_budget.allow(*unicast_to, t0)) {
        ++impl_->unicast_refused;
        return false;
    }
    auto datagram = impl_->sender.seal(type, topic, values, detail::wall_now_ns());
    const auto took =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (impl_->fastest_seal_ns == 0 || took < impl_->fastest_seal_ns) impl_->fastest_seal_ns = took;
    if (sent_at_ns) *sent_at_ns = detail::wall_now_ns();
    int rc = unicast_to ? sock->send_unicast(datagram, ifindex, *unicast_to,
                                             unicast_port ? unicast_port : impl_->opts.port)
                        : sock->send(datagram, ifindex);
    return rc == 0;
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
