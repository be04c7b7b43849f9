// mcast-inject: a test tool that sends raw datagrams (hex on the command line) to the mcast group
// out of one interface, so lab tests can deliver forged, altered, replayed and malformed input
// to a real listener. Not part of the product; only ever run inside a lab namespace.
#include <mcast/identity.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: mcast-inject IFACE GROUP PORT HEX...\n");
        return 2;
    }
    unsigned ifindex = ::if_nametoindex(argv[1]);
    if (!ifindex) {
        std::fprintf(stderr, "mcast-inject: no interface %s\n", argv[1]);
        return 2;
    }
    bool v6 = std::strchr(argv[2], ':') != nullptr;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    sockaddr_storage dst{};
    socklen_t len;
    auto port = static_cast<std::uint16_t>(std::atoi(argv[3]));
    if (v6) {
        auto& a = reinterpret_cast<sockaddr_in6&>(dst);
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        ::inet_pton(AF_INET6, argv[2], &a.sin6_addr);
        a.sin6_scope_id = ifindex;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex);
        len = sizeof a;
    } else {
        auto& a = reinterpret_cast<sockaddr_in&>(dst);
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, argv[2], &a.sin_addr);
        ip_mreqn m{};
        m.imr_ifindex = static_cast<int>(ifindex);
        ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m);
        len = sizeof a;
    }
    for (int i = 4; i < argc; ++i) {
        auto bytes = mcast::from_hex(argv[i]);
        if (!bytes) {
            std::fprintf(stderr, "mcast-inject: argument %d is not hex\n", i);
            return 2;
        }
        if (::sendto(fd, bytes->data(), bytes->size(), 0, reinterpret_cast<sockaddr*>(&dst), len) <
            0) {
            std::perror("mcast-inject: sendto");
            return 1;
        }
        ::usleep(2000);
    }
    ::close(fd);
    return 0;
}
