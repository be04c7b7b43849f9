// Linux multicast socket details, kept in one place: IP_MULTICAST_ALL off so the socket only sees
// groups it joined, V6ONLY so each family has its own socket, pktinfo both ways, SO_TIMESTAMPNS
// for receive times close to the wire, and a drain loop so one wake-up reads a burst, recv_batch
// datagrams per recvmmsg (each with its own ancillary data), and for bursts UDP GSO (runs of
// equal-sized datagrams in one send, cut by the kernel) or else sendmmsg.
#include "net/multicast_socket.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29
#endif

namespace mcast::net {

namespace {

void set_opt(int fd, int level, int name, int value, const char* what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) != 0)
        throw std::system_error(errno, std::generic_category(), what);
}

constexpr std::size_t recv_buffer_size = 65536;
constexpr unsigned burst = 64;      // datagrams per wake-up before yielding to other handlers
constexpr unsigned send_batch = 64; // datagrams per sendmmsg
constexpr int wait_attempts = 50;   // for room in a full send queue, 20 ms each (multicast only)

} // namespace

MulticastSocket::MulticastSocket(boost::asio::io_context& io, int family, const std::string& group,
                                 std::uint16_t group_port, std::uint16_t bind_port, int ttl,
                                 bool loop)
    : socket_(io), family_(family), port_(group_port),
      buffers_(std::make_unique_for_overwrite<std::uint8_t[]>(recv_batch * recv_buffer_size)),
      slots_(recv_batch), iovecs_(recv_batch), msgs_(recv_batch) {
    for (unsigned i = 0; i < recv_batch; ++i) {
        iovecs_[i] = {buffers_.get() + std::size_t{i} * recv_buffer_size, recv_buffer_size};
        msgs_[i].msg_hdr.msg_iov = &iovecs_[i];
        msgs_[i].msg_hdr.msg_iovlen = 1;
    }
    const std::uint16_t port = bind_port;
    namespace ip = boost::asio::ip;
    if (family == 4) {
        if (::inet_pton(AF_INET, group.c_str(), &group4_) != 1 ||
            !IN_MULTICAST(ntohl(group4_.s_addr)))
            throw std::system_error(EINVAL, std::generic_category(),
                                    "'" + group + "' is not an IPv4 multicast address");
        socket_.open(ip::udp::v4());
    } else {
        if (::inet_pton(AF_INET6, group.c_str(), &group6_) != 1 || !IN6_IS_ADDR_MULTICAST(&group6_))
            throw std::system_error(EINVAL, std::generic_category(),
                                    "'" + group + "' is not an IPv6 multicast address");
        socket_.open(ip::udp::v6());
    }
    int fd = socket_.native_handle();
    if (port != 0) set_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    set_opt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
    // Each read then carries the socket's count of datagrams dropped for a full receive queue:
    // a speed test tells a receiver too slow to read from a network that lost them.
    int ovfl = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &ovfl, sizeof ovfl);
    int rcvbuf = 4 << 20;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (bind_port == 0) {
        // The private socket sends unicast; datagrams to addresses still being resolved hold
        // its send buffer for seconds: room for what the session's unicast budget lets wait.
        int sndbuf = 8 << 20;
        if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
            ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    }
    if (family == 4) {
        set_opt(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL");
        set_opt(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
        set_opt(fd, IPPROTO_IP, IP_RECVTTL, 1, "IP_RECVTTL"); // a sender's distance, for answers
        set_opt(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL");
        // Unicast (answers, replies, reports) gets the same hop limit: a spoofed off-link
        // source cannot turn nodes into reflectors beyond the first router.
        set_opt(fd, IPPROTO_IP, IP_TTL, std::max(ttl, 1), "IP_TTL");
        set_opt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, loop ? 1 : 0, "IP_MULTICAST_LOOP");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_ANY);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::system_error(errno, std::generic_category(),
                                    "bind 0.0.0.0:" + std::to_string(port));
    } else {
        set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY");
        int all = 0; // absent before Linux 4.20: then the socket may also see other groups
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &all, sizeof all);
        set_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
        set_opt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
        set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, "IPV6_MULTICAST_HOPS");
        set_opt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, std::max(ttl, 1), "IPV6_UNICAST_HOPS");
        set_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop ? 1 : 0, "IPV6_MULTICAST_LOOP");
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        a.sin6_addr = in6addr_any;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::system_error(errno, std::generic_category(),
                                    "bind [::]:" + std::to_string(port));
    }
    socket_.non_blocking(true);
}

void MulticastSocket::set_sources(const std::vector<std::string>& sources) {
    sources_.clear();
    for (const auto& text : sources) {
        sockaddr_storage ss{};
        if (family_ == 4) {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            if (::inet_pton(AF_INET, text.c_str(), &a->sin_addr) != 1) continue;
            a->sin_family = AF_INET;
        } else {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            if (::inet_pton(AF_INET6, text.c_str(), &a->sin6_addr) != 1) continue;
            a->sin6_family = AF_INET6;
        }
        sources_.push_back(ss);
    }
}

// IP_ADD/DROP_MEMBERSHIP or IPV6_JOIN/LEAVE_GROUP for the group on one interface; with sources,
// MCAST_JOIN/LEAVE_SOURCE_GROUP for each (IGMPv3 / MLDv2 INCLUDE mode).
int MulticastSocket::membership(unsigned ifindex, bool join) {
    int fd = socket_.native_handle();
    if (fd < 0) return -1;
    if (!sources_.empty()) {
        group_source_req r{};
        r.gsr_interface = ifindex;
        if (family_ == 4) {
            auto* g = reinterpret_cast<sockaddr_in*>(&r.gsr_group);
            g->sin_family = AF_INET;
            g->sin_addr = group4_;
        } else {
            auto* g = reinterpret_cast<sockaddr_in6*>(&r.gsr_group);
            g->sin6_family = AF_INET6;
            g->sin6_addr = group6_;
        }
        const int level = family_ == 4 ? IPPROTO_IP : IPPROTO_IPV6;
        int rc = 0;
        for (const auto& source : sources_) {
            r.gsr_source = source;
            if (::setsockopt(fd, level, join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP,
                             &r, sizeof r) != 0 &&
                errno != EADDRINUSE)
                rc = -1;
        }
        return rc;
    }
    if (family_ == 4) {
        ip_mreqn m{};
        m.imr_multiaddr = group4_;
        m.imr_ifindex = static_cast<int>(ifindex);
        return ::setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m,
                            sizeof m);
    }
    ipv6_mreq m{};
    m.ipv6mr_multiaddr = group6_;
    m.ipv6mr_interface = ifindex;
    return ::setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m, sizeof m);
}

bool MulticastSocket::join(unsigned ifindex) {
    return membership(ifindex, true) == 0 || errno == EADDRINUSE;
}

void MulticastSocket::leave(unsigned ifindex) {
    membership(ifindex, false);
}

int MulticastSocket::send(ByteView datagram, unsigned ifindex) {
    if (family_ == 4) return send_to(datagram, ifindex, &group4_, nullptr, port_);
    return send_to(datagram, ifindex, nullptr, &group6_, port_);
}

int MulticastSocket::send_unicast(ByteView datagram, unsigned ifindex, const std::string& address,
                                  std::uint16_t port, int hop_limit) {
    in_addr a4{};
    in6_addr a6{};
    if (family_ == 4 && ::inet_pton(AF_INET, address.c_str(), &a4) == 1)
        return send_to(datagram, ifindex, &a4, nullptr, port, hop_limit);
    if (family_ == 6 && ::inet_pton(AF_INET6, address.c_str(), &a6) == 1)
        return send_to(datagram, ifindex, nullptr, &a6, port, hop_limit);
    return EINVAL;
}

MulticastSocket::Destination MulticastSocket::destination(unsigned ifindex, const in_addr* to4,
                                                          const in6_addr* to6, std::uint16_t port,
                                                          int hop_limit) const {
    Destination d;
    cmsghdr* c = reinterpret_cast<cmsghdr*>(d.control);
    if (family_ == 4) {
        d.dst4.sin_family = AF_INET;
        d.dst4.sin_port = htons(port);
        d.dst4.sin_addr = *to4;
        d.control_len = CMSG_SPACE(sizeof(in_pktinfo));
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
        in_pktinfo pi{};
        pi.ipi_ifindex = static_cast<int>(ifindex);
        std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    } else {
        d.dst6.sin6_family = AF_INET6;
        d.dst6.sin6_port = htons(port);
        d.dst6.sin6_addr = *to6;
        d.dst6.sin6_scope_id = ifindex;
        d.control_len = CMSG_SPACE(sizeof(in6_pktinfo));
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = IPV6_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
        in6_pktinfo pi{};
        pi.ipi6_ifindex = ifindex;
        std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
    }
    if (hop_limit > 0) {
        // This datagram's own TTL / hop limit (an answer's, from its query's distance).
        auto* h = reinterpret_cast<cmsghdr*>(d.control + d.control_len);
        d.control_len += CMSG_SPACE(sizeof(int));
        h->cmsg_level = family_ == 4 ? IPPROTO_IP : IPPROTO_IPV6;
        h->cmsg_type = family_ == 4 ? IP_TTL : IPV6_HOPLIMIT;
        h->cmsg_len = CMSG_LEN(sizeof(int));
        const int value = std::min(hop_limit, 255);
        std::memcpy(CMSG_DATA(h), &value, sizeof value);
    }
    // Unicast (answers, replies, reports) never waits: its destination comes from the network,
    // and datagrams to an on-link address nobody answers ARP/ND for sit in the send buffer for
    // seconds, so a few spoofed queries would fill it and every later send would stall the io
    // thread. Such a datagram is dropped and counted (unsent()). Multicast is our own traffic,
    // never held by the neighbour cache: a full queue there is a fast sender, which waits a
    // little for room rather than lose its own datagram.
    d.may_wait = family_ == 4 ? IN_MULTICAST(ntohl(to4->s_addr)) : IN6_IS_ADDR_MULTICAST(to6);
    return d;
}

// The kernel only reads name and control: one Destination serves every message of a batch.
void MulticastSocket::Destination::fill(msghdr& msg) const {
    if (dst4.sin_family == AF_INET) {
        msg.msg_name = const_cast<sockaddr_in*>(&dst4);
        msg.msg_namelen = sizeof dst4;
    } else {
        msg.msg_name = const_cast<sockaddr_in6*>(&dst6);
        msg.msg_namelen = sizeof dst6;
    }
    msg.msg_control = const_cast<char*>(control);
    msg.msg_controllen = control_len;
}

int MulticastSocket::send_to(ByteView datagram, unsigned ifindex, const in_addr* to4,
                             const in6_addr* to6, std::uint16_t port, int hop_limit) {
    int fd = socket_.native_handle();
    const auto dst = destination(ifindex, to4, to6, port, hop_limit);
    iovec iov{const_cast<std::uint8_t*>(datagram.data()), datagram.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    dst.fill(msg);
    for (int attempt = 0; attempt < (dst.may_wait ? wait_attempts : 1); ++attempt) {
        if (::sendmsg(fd, &msg, MSG_DONTWAIT) >= 0) return 0;
        if (errno != EAGAIN && errno != ENOBUFS) return errno;
        if (!dst.may_wait) break;
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 20);
    }
    ++unsent_;
    return EAGAIN;
}

// How many datagrams from the front of `rest` one UDP GSO send can carry: equal sizes, the last
// possibly shorter, within the kernel's bounds on segments and on the whole (64 KiB).
std::size_t MulticastSocket::gso_run(std::span<const ByteView> rest) const {
    if (rest.size() < 2) return 0;
    const auto size = rest[0].size();
    if (size == 0 || size >= gso_refused_) return 0;
    std::size_t m = 0, total = 0;
    while (m < rest.size() && m < gso_segments && rest[m].size() == size &&
           total + size <= gso_bytes) {
        total += size;
        ++m;
    }
    if (m < rest.size() && m < gso_segments && rest[m].size() < size &&
        total + rest[m].size() <= gso_bytes)
        ++m;
    return m >= 2 ? m : 0;
}

// One sendmsg of `run` (gso_run's) with UDP_SEGMENT: the kernel builds one large datagram and
// cuts it into the datagrams below the UDP layer. Returns run.size() or -1 (errno set).
int MulticastSocket::send_segmented(std::span<const ByteView> run, const Destination& dst) {
    std::array<iovec, gso_segments> iovs{};
    for (std::size_t i = 0; i < run.size(); ++i)
        iovs[i] = {const_cast<std::uint8_t*>(run[i].data()), run[i].size()};
    alignas(cmsghdr) char control[sizeof dst.control + CMSG_SPACE(sizeof(std::uint16_t))]{};
    std::memcpy(control, dst.control, dst.control_len);
    auto* c = reinterpret_cast<cmsghdr*>(control + dst.control_len);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
    const auto segment = static_cast<std::uint16_t>(run[0].size());
    std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
    msghdr msg{};
    dst.fill(msg);
    msg.msg_iov = iovs.data();
    msg.msg_iovlen = run.size();
    msg.msg_control = control;
    msg.msg_controllen = dst.control_len + CMSG_SPACE(sizeof(std::uint16_t));
    if (::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT) < 0) return -1;
    ++segmented_sends_;
    return static_cast<int>(run.size());
}

std::size_t MulticastSocket::send_many(std::span<const ByteView> datagrams, unsigned ifindex,
                                       int* error) {
    int fd = socket_.native_handle();
    const auto dst = family_ == 4 ? destination(ifindex, &group4_, nullptr, port_)
                                  : destination(ifindex, nullptr, &group6_, port_);
    std::array<mmsghdr, send_batch> msgs{};
    std::array<iovec, send_batch> iovs{};
    std::size_t done = 0, sent = 0;
    int last_error = 0, waits = 0;
    while (done < datagrams.size()) {
        int k = -1;
        const auto run = gso_ ? gso_run(datagrams.subspan(done)) : 0;
        if (run) {
            k = send_segmented(datagrams.subspan(done, run), dst);
            if (k < 0 && errno != EAGAIN && errno != ENOBUFS) {
                // Not for GSO: segments too large for the path (EINVAL: sizes from this one
                // up go singly), or a device or kernel without it (any other: off for this
                // socket). This run goes by sendmmsg below, which also tells a real refusal.
                if (errno == EINVAL)
                    gso_refused_ = datagrams[done].size();
                else
                    gso_ = false;
            } else if (k < 0) {
                k = -2; // a full queue: wait below, as for sendmmsg
            }
        }
        if (k == -1) {
            const auto n =
                static_cast<unsigned>(std::min<std::size_t>(datagrams.size() - done, send_batch));
            for (unsigned i = 0; i < n; ++i) {
                const auto& d = datagrams[done + i];
                iovs[i] = {const_cast<std::uint8_t*>(d.data()), d.size()};
                msgs[i] = {};
                msgs[i].msg_hdr.msg_iov = &iovs[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
                dst.fill(msgs[i].msg_hdr);
            }
            k = ::sendmmsg(fd, msgs.data(), n, MSG_DONTWAIT);
        }
        if (k > 0) { // the kernel took the first k; a refusal after them shows on the next call
            done += static_cast<std::size_t>(k);
            sent += static_cast<std::size_t>(k);
            waits = 0;
            continue;
        }
        if (errno == EAGAIN || errno == ENOBUFS) {
            if (++waits < wait_attempts) { // as send(): wait a little for room, a bounded time
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 20);
                continue;
            }
            unsent_ += datagrams.size() - done; // the queue stayed full: the rest is lost
            last_error = EAGAIN;
            break;
        }
        last_error = errno; // refused (a firewall here, no route): this one is not sent
        ++done;
    }
    if (error) *error = last_error;
    return sent;
}

void MulticastSocket::start(Handler h) {
    handler_ = std::move(h);
    arm();
}

void MulticastSocket::arm() {
    // A completion already queued when the socket goes away (its owner destroyed in another
    // handler of the same io_context) must not touch it: hence the alive check too.
    socket_.async_wait(boost::asio::socket_base::wait_read,
                       [this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
                           if (ec || alive.expired()) return; // closed
                           drain();
                       });
}

int MulticastSocket::receive_buffer() {
    int v = 0;
    socklen_t len = sizeof v;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUF, &v, &len) != 0) return 0;
    return v;
}

void MulticastSocket::drain() {
    int fd = socket_.native_handle();
    unsigned left = burst;
    while (left > 0) {
        const unsigned want = std::min(left, recv_batch);
        for (unsigned i = 0; i < want; ++i) {
            auto& h = msgs_[i].msg_hdr;
            h.msg_name = &slots_[i].source;
            h.msg_namelen = sizeof slots_[i].source;
            h.msg_control = slots_[i].control;
            h.msg_controllen = sizeof slots_[i].control;
            h.msg_flags = 0;
        }
        int got = ::recvmmsg(fd, msgs_.data(), want, MSG_DONTWAIT, nullptr);
        if (got <= 0) break; // EAGAIN (drained) or a transient error
        const auto n = static_cast<unsigned>(got);
        read_.clear();
        for (unsigned i = 0; i < n; ++i) {
            // Each datagram with its own ancillary data: kernel_drops() is the count from when
            // the last of the read was queued while the handler runs.
            auto& msg = msgs_[i].msg_hdr;
            Datagram& d = read_.emplace_back();
            d.family = family_;
            d.source = slots_[i].source;
            for (auto* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                    timespec ts;
                    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                    d.rx_wall_ns = std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
                    // The socket's drops before this datagram was queued (absent while none).
                    std::uint32_t dropped = 0;
                    std::memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
                    // A 32-bit counter that wraps: the difference still counts what is new.
                    kernel_drops_ += static_cast<std::uint32_t>(dropped - last_ovfl_);
                    last_ovfl_ = dropped;
                } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                    in_pktinfo pi;
                    std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
                    d.ifindex = static_cast<unsigned>(pi.ipi_ifindex);
                    d.multicast = IN_MULTICAST(ntohl(pi.ipi_addr.s_addr));
                } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                           (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
                    int hops = -1;
                    std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
                    d.hop_limit = hops;
                } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
                    in6_pktinfo pi;
                    std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
                    d.ifindex = pi.ipi6_ifindex;
                    d.multicast = IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr);
                }
            }
            // Each buffer holds the largest UDP payload of either family: nothing is cut short.
            d.bytes =
                ByteView(static_cast<const std::uint8_t*>(iovecs_[i].iov_base), msgs_[i].msg_len);
        }
        std::weak_ptr<bool> alive = alive_;
        handler_(std::span<const Datagram>(read_));
        if (alive.expired() || !socket_.is_open()) return;
        left -= n;
        if (n < want) break; // the queue is empty for now
    }
    arm();
}

void MulticastSocket::close() {
    boost::system::error_code ec;
    socket_.close(ec);
}

} // namespace mcast::net
