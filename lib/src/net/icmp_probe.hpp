// Round trips to the default gateway for the weather's "latency under load": ICMP echo through an
// unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP / IPPROTO_ICMPV6) where the kernel's
// net.ipv4.ping_group_range lets this process's group use one, else a raw socket (root or
// CAP_NET_RAW), else nothing, with the reason to show. One probe in flight at a time; the floor,
// the smoothing and the grade are the sans-IO RttTracker's.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mcast::net {

class IcmpProbe {
public:
    enum class Mode { closed, ping_socket, raw_socket };
    // The round trip, or nullopt when no reply came within the timeout (or the send failed, or
    // the probe was closed).
    using Handler = std::function<void(std::optional<std::chrono::microseconds>)>;

    explicit IcmpProbe(boost::asio::io_context& io);
    ~IcmpProbe();
    IcmpProbe(const IcmpProbe&) = delete;
    IcmpProbe& operator=(const IcmpProbe&) = delete;

    // Opens a socket towards `gateway` ("10.77.0.254", "fd77:4d::fe", "fe80::1%eth0"): a ping
    // socket when allowed, else a raw one. Returns "" when open, else why not, one line:
    //   "ICMP needs a ping socket (net.ipv4.ping_group_range is '1 0', group 1000 is outside
    //    it) or a raw socket (root or CAP_NET_RAW)"
    std::string open(const std::string& gateway);
    void close();

    Mode mode() const { return mode_; }
    static const char* mode_name(Mode m);  // "closed", "ping socket", "raw socket"
    int family() const { return family_; } // 4 or 6 once open
    const std::string& target() const { return target_; }

    // Sends one echo request and calls `done` once, on the io_context: with the round trip when
    // the reply arrives, nullopt after `timeout`. A probe started while one is in flight ends the
    // earlier one with nullopt first.
    void probe(std::chrono::milliseconds timeout, Handler done);

    std::uint64_t sent() const { return sent_; }
    std::uint64_t answered() const { return answered_; }

private:
    void wait_readable();
    void on_readable();
    void finish(std::optional<std::chrono::microseconds> rtt);

    boost::asio::io_context& io_;
    boost::asio::posix::stream_descriptor socket_;
    boost::asio::steady_timer timer_;
    Mode mode_ = Mode::closed;
    int family_ = 0;
    std::string target_;
    sockaddr_storage dest_{};
    unsigned dest_len_ = 0;
    std::uint16_t id_ = 0; // raw sockets: ours to pick; ping sockets: the kernel's
    std::uint16_t seq_ = 0;
    std::uint64_t sent_ = 0;
    std::uint64_t answered_ = 0;
    std::uint64_t probe_number_ = 0; // tells a stale timer from the current probe's
    Handler pending_;
    std::chrono::steady_clock::time_point sent_at_{};
    // Completion handlers check this before touching the object: false once it is destroyed.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace mcast::net
