// One UDP socket for one address family, bound to the mcast port, joined to the group per
// interface. Sends with a per-datagram output interface (IP_PKTINFO / IPV6_PKTINFO) and receives
// with the arrival interface and the kernel's receive timestamp. Reads up to recv_batch datagrams
// per system call (recvmmsg) and sends bursts to the group in one (sendmmsg). Knows nothing of
// message types.
#pragma once

#include <mcast/bytes.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mcast::net {

struct Datagram {
    ByteView bytes;
    int family = 4;
    sockaddr_storage source{};
    unsigned ifindex = 0;
    std::int64_t rx_wall_ns = 0;
    bool multicast = false; // sent to a group (pktinfo destination), not to us alone
    int hop_limit = -1;     // the TTL / hop limit it arrived with (IP_RECVTTL, IPV6_RECVHOPLIMIT)
};

class MulticastSocket {
public:
    // Gets the datagrams of one read (up to recv_batch), in the order the kernel queued them.
    using Handler = std::function<void(std::span<const Datagram>)>;

    // Throws std::system_error (with a message naming the step) when the socket cannot be set up.
    // `group_port` is where group sends go; `bind_port` is the local port: the shared mcast port
    // (several processes may bind it) or 0 for a private ephemeral port, whose unicast replies
    // reach this process alone.
    MulticastSocket(boost::asio::io_context& io, int family, const std::string& group,
                    std::uint16_t group_port, std::uint16_t bind_port, int ttl, bool loop);

    // Joins with MCAST_JOIN_SOURCE_GROUP (IGMPv3/MLDv2 (S,G)) for each of `sources` (of this
    // family) when there are any, else (*,G). Call before join.
    void set_sources(const std::vector<std::string>& sources);
    bool join(unsigned ifindex); // false (errno kept) when the kernel refuses
    void leave(unsigned ifindex);
    // Sends to the group out of `ifindex`; returns 0 or an errno value.
    int send(ByteView datagram, unsigned ifindex);
    // Sends each datagram, in order, to the group out of `ifindex`, as many per system call as
    // the kernel takes (UDP GSO for runs of equal size, else sendmmsg), waiting for room as
    // send() does. Returns how many the kernel
    // took; `*error` (when given) gets 0 or the errno of the last refusal.
    std::size_t send_many(std::span<const ByteView> datagrams, unsigned ifindex,
                          int* error = nullptr);
    // Sends to one address and port of this family out of `ifindex`, with `hop_limit` (1-255;
    // 0: the socket's, the session TTL).
    int send_unicast(ByteView datagram, unsigned ifindex, const std::string& address,
                     std::uint16_t port, int hop_limit = 0);

    // Datagrams dropped because the send queue was full (unicast never waits for room).
    std::uint64_t unsent() const { return unsent_; }
    // UDP GSO sends the kernel took (each carried a run of datagrams).
    std::uint64_t segmented_sends() const { return segmented_sends_; }
    // Datagrams the kernel dropped because this socket's receive queue was full (SO_RXQ_OVFL:
    // each datagram carries the count from when it was queued, so this is the count before
    // the last datagram read was queued).
    std::uint64_t kernel_drops() const { return kernel_drops_; }

    // The receive buffer the kernel granted (SO_RCVBUF: twice the 4 MiB asked for, its
    // bookkeeping included, unless SO_RCVBUFFORCE was refused and rmem_max caps it).
    int receive_buffer();

    void start(Handler h);
    void close();
    int family() const { return family_; }

    static constexpr unsigned recv_batch = 32; // datagrams per recvmmsg

private:
    int membership(unsigned ifindex, bool join);
    // Where a datagram goes and out of which interface, as sendmsg wants it.
    struct Destination {
        sockaddr_in dst4{};
        sockaddr_in6 dst6{};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int))]{};
        std::size_t control_len = 0;
        bool may_wait = false; // multicast: our own traffic waits a little for room
        void fill(msghdr& msg) const;
    };
    Destination destination(unsigned ifindex, const in_addr* to4, const in6_addr* to6,
                            std::uint16_t port, int hop_limit = 0) const;
    int send_to(ByteView datagram, unsigned ifindex, const in_addr* to4, const in6_addr* to6,
                std::uint16_t port, int hop_limit = 0);
    void arm();
    void drain();
    static constexpr std::size_t gso_segments = 64; // per GSO send (the kernel takes 64 or more)
    static constexpr std::size_t gso_bytes = 65000; // per GSO send: one UDP datagram's worth
    std::size_t gso_run(std::span<const ByteView> rest) const;
    int send_segmented(std::span<const ByteView> run, const Destination& dst);

    boost::asio::ip::udp::socket socket_;
    int family_;
    in_addr group4_{};
    in6_addr group6_{};
    std::uint16_t port_;
    std::vector<sockaddr_storage> sources_; // SSM: the (S,G) sources joined; empty: (*,G)
    Handler handler_;
    std::uint64_t unsent_ = 0;
    std::uint64_t segmented_sends_ = 0;
    bool gso_ = true;                    // off once the kernel or device refuses it
    std::size_t gso_refused_ = SIZE_MAX; // segments this large or larger go singly
    std::uint64_t kernel_drops_ = 0;
    std::uint32_t last_ovfl_ = 0; // the SO_RXQ_OVFL counter of the last read
    // recv_batch buffers of the largest UDP payload, left uninitialised: pages the kernel never
    // writes (small datagrams use the first of each) are never made resident.
    std::unique_ptr<std::uint8_t[]> buffers_;
    struct RecvSlot {
        sockaddr_storage source{};
        alignas(cmsghdr) char control[256];
    };
    std::vector<RecvSlot> slots_;
    std::vector<iovec> iovecs_;
    std::vector<mmsghdr> msgs_;
    std::vector<Datagram> read_; // the datagrams of the last read, for the handler
    // A handler may destroy this socket (by destroying its Session): drain checks the token.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace mcast::net
