// mcast-hostile: a test tool that floods the group with every kind of bad datagram the
// protocol must survive — truncated, oversized, bit-flipped, wrong version, too deeply nested,
// invalid UTF-8, forged signature, S >= L, replayed — for a number of seconds, as fast as it can.
// Only ever run inside a lab namespace. Prints how many of each kind it sent.
//   mcast-hostile IFACE GROUP PORT SECONDS [ROUNDS_PER_SECOND | valid]
// A round is one datagram of each kind; 0 rounds per second means as fast as it can. `valid`
// sends only validly signed datagrams, as fast as it can sign: a flood that passes every check.
#include "forge.hpp"
#include "protocol/sender.hpp"
#include <mcast/wire.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>

using namespace mcast;
using testtools::resign;
using testtools::with_payload;

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::fprintf(stderr, "usage: mcast-hostile IFACE GROUP PORT SECONDS [ROUNDS_PER_SECOND]\n");
        return 2;
    }
    unsigned ifindex = ::if_nametoindex(argv[1]);
    if (!ifindex) return 2;
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ip_mreqn m{};
    m.imr_ifindex = static_cast<int>(ifindex);
    ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m);
    int sndbuf = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[3])));
    ::inet_pton(AF_INET, argv[2], &dst.sin_addr);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[4]));

    auto id = Identity::generate();
    Sender s(id, 0xbad);
    std::mt19937 rng(42);
    std::map<std::string, long> sent;
    auto wall = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    auto emit = [&](const char* kind, const ByteBuffer& d) {
        if (::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) >= 0)
            ++sent[kind];
    };
    auto replayable = s.seal(1, "hostile", {Value{"once"}}, wall());
    emit("genuine-once", replayable);
    ByteBuffer deep = {0, 0, 0, 1};
    for (int i = 0; i < 9; ++i) {
        deep.push_back(7);
        for (int k : {0, 0, 0, i == 8 ? 0 : 1})
            deep.push_back(static_cast<std::uint8_t>(k));
    }
    if (argc == 6 && std::string(argv[5]) == "valid") {
        long n = 0;
        while (std::chrono::steady_clock::now() < until) {
            emit("valid", s.seal(1, "flood", {Value{"valid but unwanted"}}, wall()));
            ++n;
        }
        for (const auto& [kind, count] : sent)
            std::printf("%s %ld\n", kind.c_str(), count);
        return 0;
    }
    double rounds_per_second = argc == 6 ? std::atof(argv[5]) : 0.0;
    auto start = std::chrono::steady_clock::now();
    long rounds = 0;
    while (std::chrono::steady_clock::now() < until) {
        if (rounds_per_second > 0) {
            auto due =
                start +
                std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::duration<double>(static_cast<double>(rounds) / rounds_per_second));
            std::this_thread::sleep_until(due);
        }
        ++rounds;
        auto good = s.seal(1, "hostile", {Value{"should never print"}}, wall());
        emit("truncated", ByteBuffer(good.begin(), good.begin() + 100));
        emit("oversized", ByteBuffer(65400, 0x4d));
        auto flip = good;
        flip[rng() % flip.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        emit("bit-flipped", flip);
        auto v2 = good;
        v2[4] = 2;
        emit("wrong-version", resign(v2, id));
        emit("too-deep", with_payload(good, deep, id));
        emit("bad-utf8", with_payload(good, ByteBuffer{0, 0, 0, 1, 5, 0, 0, 0, 2, 0xc0, 0xaf}, id));
        // A forgery that costs a verification: S stays below L (its lowest byte changes), so the
        // strict checks of protocol.md section 3.3 pass and only the signature check fails.
        auto forged = good;
        forged[forged.size() - signature_size / 2] ^= 0x01;
        emit("forged", forged);
        // One the cheap checks catch: S's top byte flipped makes S >= L (noncanonical_s).
        auto big_s = good;
        big_s[big_s.size() - 1] ^= 0xff;
        emit("noncanonical-s", big_s);
        emit("replayed", replayable);
    }
    for (const auto& [kind, n] : sent)
        std::printf("%s %ld\n", kind.c_str(), n);
    return 0;
}
