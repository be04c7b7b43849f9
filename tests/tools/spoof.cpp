// mcast-spoof: a test tool that sends validly signed discovery queries or ping probes to the mcast
// group from source addresses it does not own (a raw socket writes the IPv4 header itself), at a
// steady rate, so lab tests can play a host that claims other hosts' addresses: unused ones
// (whose answers wait on ARP) or a victim's (to which answers are reflected). Only ever run
// inside a lab namespace. Prints how many datagrams it sent.
//   mcast-spoof IFACE GROUP PORT SECONDS RATE FIRST_ADDR COUNT query|probe
// Datagram i leaves from FIRST_ADDR + (i % COUNT); RATE 0 means as fast as it can.
#include "protocol/sender.hpp"
#include <mcast/ping.hpp>
#include <mcast/presence.hpp>
#include <mcast/wire.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>

using namespace mcast;

int main(int argc, char** argv) {
    if (argc != 9) {
        std::fprintf(stderr, "usage: mcast-spoof IFACE GROUP PORT SECONDS RATE FIRST_ADDR COUNT "
                             "query|probe\n");
        return 2;
    }
    std::string kind = argv[8];
    int fd = ::socket(AF_INET, SOCK_RAW, IPPROTO_RAW); // IP_HDRINCL implied
    if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[1],
                               static_cast<socklen_t>(std::strlen(argv[1])))) {
        std::perror("mcast-spoof: raw socket");
        return 2;
    }
    in_addr group{}, first{};
    ::inet_pton(AF_INET, argv[2], &group);
    ::inet_pton(AF_INET, argv[6], &first);
    auto port = static_cast<std::uint16_t>(std::atoi(argv[3]));
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[4]));
    double rate = std::atof(argv[5]);
    long count = std::max(1, std::atoi(argv[7]));

    auto id = Identity::generate();
    std::random_device rd;
    auto random_nonce = [&rd] {
        Nonce n{};
        for (auto& b : n)
            b = static_cast<std::uint8_t>(rd());
        return n;
    };
    Sender s(id, (std::uint64_t{rd()} << 32) | rd() | 1);
    Nonce run = random_nonce();
    auto wall = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    auto start = std::chrono::steady_clock::now();
    long sent = 0;
    for (long i = 0; std::chrono::steady_clock::now() < until; ++i) {
        if (rate > 0)
            std::this_thread::sleep_until(
                start + std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::duration<double>(static_cast<double>(i) / rate)));
        ByteBuffer d;
        if (kind == "probe") {
            d = s.seal(type_byte(MessageType::ping_probe), "",
                       encode_probe({run, i + 1, 4, false, {}, 0}), wall());
        } else {
            Query q;
            q.nonce = random_nonce();
            d = s.seal(type_byte(MessageType::query), "", encode_query(q), wall());
        }
        std::vector<std::uint8_t> pkt(sizeof(iphdr) + sizeof(udphdr) + d.size());
        auto* ip = reinterpret_cast<iphdr*>(pkt.data());
        ip->version = 4;
        ip->ihl = 5;
        ip->ttl = 1;
        ip->protocol = IPPROTO_UDP;
        ip->tot_len = htons(static_cast<std::uint16_t>(pkt.size()));
        ip->saddr = htonl(ntohl(first.s_addr) + static_cast<std::uint32_t>(i % count));
        ip->daddr = group.s_addr;
        auto* udp = reinterpret_cast<udphdr*>(pkt.data() + sizeof(iphdr));
        udp->source = htons(7767);
        udp->dest = htons(port);
        udp->len = htons(static_cast<std::uint16_t>(sizeof(udphdr) + d.size()));
        udp->check = 0; // optional over IPv4
        std::memcpy(pkt.data() + sizeof(iphdr) + sizeof(udphdr), d.data(), d.size());
        sockaddr_in dst{};
        dst.sin_family = AF_INET;
        dst.sin_addr = group;
        if (::sendto(fd, pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&dst),
                     sizeof dst) >= 0)
            ++sent;
    }
    std::printf("%s %ld\n", kind.c_str(), sent);
    return 0;
}
