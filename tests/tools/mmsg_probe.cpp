// mcast-mmsg-probe: drives net::MulticastSocket alone, for the lab tests of its batched I/O
// (recvmmsg, sendmmsg, SO_RXQ_OVFL). Never installed; runs only inside a lab host.
//   recv IFACE COUNT [--late MS] [--timeout MS]  reads until COUNT datagrams are received or
//        counted as kernel drops, first waiting MS before reading at all; prints one JSON line
//   send IFACE COUNT [--size BYTES] [--vary 1] [--tail N --after MS]  sends COUNT datagrams
//        with one send_many, then (--tail) N more one by one after MS; prints one JSON line
//        (with how many UDP GSO sends carried them)
// Each datagram holds the sender's process id, its sequence number (from 1) and its own length,
// so the reader checks each sender's order and that no datagram was cut at another boundary.
#include "net/multicast_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <net/if.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* group = "239.255.77.99";
constexpr std::uint16_t port = 47999;

struct Args {
    std::string mode, iface;
    std::uint64_t count = 0;
    long late_ms = 0, timeout_ms = 10000, after_ms = 0;
    std::size_t size = 64, tail = 0;
    bool vary = false;
};

int usage() {
    std::fprintf(stderr, "usage: mcast-mmsg-probe recv|send IFACE COUNT [options]\n");
    return 2;
}

int do_recv(const Args& a, unsigned ifindex) {
    boost::asio::io_context io;
    mcast::net::MulticastSocket sock(io, 4, group, port, port, 1, false);
    if (!sock.join(ifindex)) {
        std::perror("join");
        return 1;
    }
    std::fprintf(stderr, "ready\n");
    // Not reading yet: the kernel queues what arrives, and drops (and counts) what does not fit.
    std::this_thread::sleep_for(std::chrono::milliseconds(a.late_ms));
    std::map<std::uint32_t, std::uint64_t> last; // per sender: the last sequence number
    // backwards: a sequence number at or below its sender's last (reordered or repeated);
    // gaps: one above last + 1 (datagrams missing in between, dropped somewhere).
    std::uint64_t received = 0, backwards = 0, gaps = 0, bad = 0;
    boost::asio::steady_timer deadline(io, std::chrono::milliseconds(a.timeout_ms));
    deadline.async_wait([&](boost::system::error_code ec) {
        if (!ec) io.stop();
    });
    auto one = [&](const mcast::net::Datagram& d) {
        if (d.bytes.size() < 12) {
            ++bad;
            return;
        }
        std::uint32_t sender = 0;
        std::uint64_t seq = 0;
        std::memcpy(&sender, d.bytes.data(), 4);
        std::memcpy(&seq, d.bytes.data() + 4, 8);
        if (d.bytes.size() >= 16) { // its own length: a datagram cut at another boundary is bad
            std::uint32_t length = 0;
            std::memcpy(&length, d.bytes.data() + 12, 4);
            if (length != d.bytes.size()) {
                ++bad;
                return;
            }
        }
        auto& l = last[sender];
        if (seq <= l)
            ++backwards;
        else if (seq > l + 1)
            ++gaps;
        l = std::max(l, seq);
        ++received;
    };
    sock.start([&](std::span<const mcast::net::Datagram> read) {
        for (const auto& d : read)
            one(d);
        if (received + sock.kernel_drops() >= a.count) io.stop();
    });
    io.run();
    std::printf("{\"received\":%llu,\"kernel_drops\":%llu,\"senders\":%zu,\"rcvbuf\":%d,"
                "\"backwards\":%llu,\"gaps\":%llu,\"bad\":%llu}\n",
                static_cast<unsigned long long>(received),
                static_cast<unsigned long long>(sock.kernel_drops()), last.size(),
                sock.receive_buffer(), static_cast<unsigned long long>(backwards),
                static_cast<unsigned long long>(gaps), static_cast<unsigned long long>(bad));
    return 0;
}

int do_send(const Args& a, unsigned ifindex) {
    boost::asio::io_context io;
    mcast::net::MulticastSocket sock(io, 4, group, port, 0, 1, false);
    const auto me = static_cast<std::uint32_t>(::getpid());
    // --vary: runs of ten, of --size, +100, +200 bytes in turn; the last of the first and third
    // runs of each turn 5 bytes shorter (one UDP GSO send carries equal sizes, the last possibly
    // shorter), while the second run is followed at once by larger ones.
    auto size_of = [&](std::uint64_t seq) {
        if (!a.vary) return a.size;
        const auto turn = seq / 10 % 3;
        return a.size + turn * 100 - (seq % 10 == 9 && turn != 1 ? 5 : 0);
    };
    auto datagram = [&](std::uint64_t seq) {
        std::vector<std::uint8_t> d(std::max<std::size_t>(size_of(seq), 12));
        std::memcpy(d.data(), &me, 4);
        std::memcpy(d.data() + 4, &seq, 8);
        if (d.size() >= 16) {
            const auto length = static_cast<std::uint32_t>(d.size());
            std::memcpy(d.data() + 12, &length, 4);
        }
        return d;
    };
    std::vector<std::vector<std::uint8_t>> burst;
    for (std::uint64_t i = 1; i <= a.count; ++i)
        burst.push_back(datagram(i));
    std::vector<mcast::ByteView> views(burst.begin(), burst.end());
    int error = 0;
    auto sent = sock.send_many(views, ifindex, &error);
    std::size_t tail_sent = 0;
    if (a.tail) {
        std::this_thread::sleep_for(std::chrono::milliseconds(a.after_ms));
        for (std::size_t i = 1; i <= a.tail; ++i)
            if (sock.send(datagram(a.count + i), ifindex) == 0) ++tail_sent;
    }
    std::printf("{\"sent\":%zu,\"tail_sent\":%zu,\"error\":%d,\"unsent\":%llu,"
                "\"segmented_sends\":%llu}\n",
                sent, tail_sent, error, static_cast<unsigned long long>(sock.unsent()),
                static_cast<unsigned long long>(sock.segmented_sends()));
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) return usage();
    Args a;
    a.mode = argv[1];
    a.iface = argv[2];
    a.count = std::stoull(argv[3]);
    for (int i = 4; i + 1 < argc; i += 2) {
        std::string o = argv[i];
        long v = std::stol(argv[i + 1]);
        if (o == "--late")
            a.late_ms = v;
        else if (o == "--timeout")
            a.timeout_ms = v;
        else if (o == "--size")
            a.size = static_cast<std::size_t>(v);
        else if (o == "--tail")
            a.tail = static_cast<std::size_t>(v);
        else if (o == "--after")
            a.after_ms = v;
        else if (o == "--vary")
            a.vary = v != 0;
        else
            return usage();
    }
    unsigned ifindex = ::if_nametoindex(a.iface.c_str());
    if (!ifindex) {
        std::perror(a.iface.c_str());
        return 1;
    }
    if (a.mode == "recv") return do_recv(a, ifindex);
    if (a.mode == "send") return do_send(a, ifindex);
    return usage();
}
