// ICMP echo towards one address, the way ping(8) does it: a ping socket first (the kernel picks
// the identifier and hands this socket only its own replies, without the IP header), a raw
// socket when that is refused (every ICMP packet arrives, IPv4 with its header: we filter by
// identifier, sequence and source).
#include "net/icmp_probe.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace mcast::net {
namespace asio = boost::asio;

namespace {

std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t n) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2)
        sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (n % 2) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::string ping_group_range() {
    std::ifstream in("/proc/sys/net/ipv4/ping_group_range");
    std::string a, b;
    if (!(in >> a >> b)) return "";
    return a + " " + b;
}

} // namespace

IcmpProbe::IcmpProbe(asio::io_context& io) : io_(io), socket_(io), timer_(io) {}

IcmpProbe::~IcmpProbe() {
    *alive_ = false;
    boost::system::error_code ec;
    socket_.close(ec);
}

const char* IcmpProbe::mode_name(Mode m) {
    switch (m) {
    case Mode::ping_socket:
        return "ping socket";
    case Mode::raw_socket:
        return "raw socket";
    case Mode::closed:
        break;
    }
    return "closed";
}

std::string IcmpProbe::open(const std::string& gateway) {
    close();
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(gateway, ec);
    if (ec) return "bad gateway address '" + gateway + "'";

    dest_ = {};
    if (addr.is_v4()) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        const auto bytes = addr.to_v4().to_bytes();
        std::memcpy(&sa.sin_addr, bytes.data(), bytes.size());
        std::memcpy(&dest_, &sa, sizeof sa);
        dest_len_ = sizeof sa;
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        const auto v6 = addr.to_v6();
        const auto bytes = v6.to_bytes();
        std::memcpy(&sa.sin6_addr, bytes.data(), bytes.size());
        sa.sin6_scope_id = v6.scope_id();
        if (v6.is_link_local() && sa.sin6_scope_id == 0)
            return "link-local gateway '" + gateway + "' needs an interface (fe80::1%eth0)";
        std::memcpy(&dest_, &sa, sizeof sa);
        dest_len_ = sizeof sa;
    }
    const int af = addr.is_v4() ? AF_INET : AF_INET6;
    const int proto =
        addr.is_v4() ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);

    Mode mode = Mode::ping_socket;
    int fd = ::socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    const int dgram_errno = errno;
    if (fd < 0) {
        mode = Mode::raw_socket;
        fd = ::socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    }
    if (fd < 0) {
        const int raw_errno = errno;
        if ((dgram_errno == EACCES || dgram_errno == EPERM) &&
            (raw_errno == EACCES || raw_errno == EPERM)) {
            const auto range = ping_group_range();
            return "ICMP needs a ping socket (net.ipv4.ping_group_range" +
                   (range.empty() ? std::string() : " is '" + range + "'") + ", group " +
                   std::to_string(::getegid()) +
                   " is outside it) or a raw socket (root or CAP_NET_RAW)";
        }
        return std::string("cannot open an ICMP socket: ") + std::strerror(dgram_errno);
    }
    socket_.assign(fd, ec);
    if (ec) {
        ::close(fd);
        return "cannot use the ICMP socket: " + ec.message();
    }
    mode_ = mode;
    family_ = addr.is_v4() ? 4 : 6;
    target_ = gateway;
    static std::uint16_t counter = 0;
    id_ = static_cast<std::uint16_t>((static_cast<unsigned>(::getpid()) << 4) + ++counter);
    wait_readable();
    return "";
}

void IcmpProbe::close() {
    boost::system::error_code ec;
    timer_.cancel();
    socket_.close(ec);
    mode_ = Mode::closed;
    if (pending_) {
        asio::post(io_, [done = std::move(pending_)] { done(std::nullopt); });
        pending_ = nullptr;
    }
}

void IcmpProbe::probe(std::chrono::milliseconds timeout, Handler done) {
    if (pending_) finish(std::nullopt);
    if (mode_ == Mode::closed) {
        asio::post(io_, [done = std::move(done)] { done(std::nullopt); });
        return;
    }
    ++seq_;
    std::array<std::uint8_t, 24> pkt{};
    pkt[0] = family_ == 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
    pkt[4] = static_cast<std::uint8_t>(id_ >> 8);
    pkt[5] = static_cast<std::uint8_t>(id_);
    pkt[6] = static_cast<std::uint8_t>(seq_ >> 8);
    pkt[7] = static_cast<std::uint8_t>(seq_);
    std::memcpy(pkt.data() + 8, "mcast weather pr", 16);
    if (family_ == 4) { // ICMPv6's checksum covers a pseudo-header: the kernel fills it in
        const auto sum = inet_checksum(pkt.data(), pkt.size());
        pkt[2] = static_cast<std::uint8_t>(sum >> 8);
        pkt[3] = static_cast<std::uint8_t>(sum);
    }
    pending_ = std::move(done);
    const auto number = ++probe_number_;
    sent_at_ = std::chrono::steady_clock::now();
    const auto n = ::sendto(socket_.native_handle(), pkt.data(), pkt.size(), MSG_DONTWAIT,
                            reinterpret_cast<const sockaddr*>(&dest_), dest_len_);
    ++sent_;
    if (n < 0) {
        // Unreachable network, no route, a full queue: no reply will come. Report it as a
        // timeout would, but on the io_context, as promised.
        asio::post(io_, [this, alive = alive_, number] {
            if (*alive && number == probe_number_ && pending_) finish(std::nullopt);
        });
        return;
    }
    timer_.expires_after(timeout);
    timer_.async_wait([this, alive = alive_, number](const boost::system::error_code& ec) {
        if (ec || !*alive || number != probe_number_ || !pending_) return;
        finish(std::nullopt);
    });
}

void IcmpProbe::wait_readable() {
    socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                       [this, alive = alive_](const boost::system::error_code& ec) {
                           if (ec || !*alive) return;
                           on_readable();
                       });
}

void IcmpProbe::on_readable() {
    const auto alive = alive_; // a handler called below may destroy this object
    std::array<std::uint8_t, 1500> buf{};
    for (;;) {
        sockaddr_storage from{};
        socklen_t from_len = sizeof from;
        const auto n = ::recvfrom(socket_.native_handle(), buf.data(), buf.size(), MSG_DONTWAIT,
                                  reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) break; // EAGAIN: drained (errors such as ICMP errors queued are not ours)
        const auto now = std::chrono::steady_clock::now();
        std::size_t off = 0;
        if (mode_ == Mode::raw_socket && family_ == 4) {
            if (n < 20) continue;
            off = static_cast<std::size_t>(buf[0] & 0x0f) * 4;
        }
        if (static_cast<std::size_t>(n) < off + 8) continue;
        const auto* icmp = buf.data() + off;
        const std::uint8_t reply = family_ == 4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
        if (icmp[0] != reply || icmp[1] != 0) continue;
        const auto id = static_cast<std::uint16_t>(icmp[4] << 8 | icmp[5]);
        const auto seq = static_cast<std::uint16_t>(icmp[6] << 8 | icmp[7]);
        if (mode_ == Mode::raw_socket && id != id_) continue; // another pinger's
        if (seq != seq_ || !pending_) continue;               // late: its probe timed out
        bool same_source = false;
        if (family_ == 4 && from.ss_family == AF_INET) {
            same_source = std::memcmp(&reinterpret_cast<const sockaddr_in&>(from).sin_addr,
                                      &reinterpret_cast<const sockaddr_in&>(dest_).sin_addr,
                                      sizeof(in_addr)) == 0;
        } else if (family_ == 6 && from.ss_family == AF_INET6) {
            same_source = std::memcmp(&reinterpret_cast<const sockaddr_in6&>(from).sin6_addr,
                                      &reinterpret_cast<const sockaddr_in6&>(dest_).sin6_addr,
                                      sizeof(in6_addr)) == 0;
        }
        if (!same_source) continue;
        ++answered_;
        finish(std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at_));
        if (!*alive || mode_ == Mode::closed) return; // the handler destroyed or closed us
    }
    wait_readable();
}

void IcmpProbe::finish(std::optional<std::chrono::microseconds> rtt) {
    auto done = std::move(pending_);
    pending_ = nullptr;
    timer_.cancel();
    if (done) done(rtt);
}

} // namespace mcast::net
