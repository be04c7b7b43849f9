// The HTTPS server of a node's shares: TLS 1.3 with the node's own key (tls.hpp), the pure
// request handler over a FileProvider, connections bounded per peer key and in total (a
// connection past the bound gets 503 and is closed), handshakes bounded per address and in total
// and timed out. Runs on the caller's io_context (one thread). It keeps what it is sending now
// (serving(): file, client, since when, rate) for streaming searches, and paces its body writes
// by weather advice when given an advice source (pace_by), like any bulk sender.
//   mcast::share::HttpsServer server(io, identity, catalogue, {address, 0});
//   auto port = server.local_endpoint().port();
#pragma once

#include <mcast/identity.hpp>
#include <mcast/search.hpp>
#include <mcast/share/file_provider.hpp>
#include <mcast/share/tls.hpp>
#include <mcast/weather.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace mcast::share {

struct ServerLimits {
    std::size_t connections_per_peer = 8; // by client key
    std::size_t connections = 64;
    std::size_t handshakes_per_address = 8;
    std::size_t handshakes = 32;
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds idle_timeout{30'000}; // per read, and per piece written
};

struct ServerCounters {
    std::uint64_t connections = 0;        // handshakes completed
    std::uint64_t handshake_failures = 0; // failed, timed out or refused (too many at once)
    std::uint64_t busy = 0;               // connections answered 503
    std::uint64_t requests = 0;
    std::uint64_t bad_requests = 0; // unreadable requests (400, 431)
    std::uint64_t bytes_sent = 0;   // response bytes (headers and bodies)
    std::uint64_t paced_waits = 0;  // writes held back by weather advice
};

class HttpsServer {
public:
    // Listens on `at` (port 0: any). `files` must outlive the server and its connections.
    // Throws boost::system::system_error when it cannot listen, TlsError when the key cannot
    // make a certificate.
    HttpsServer(boost::asio::io_context& io, const TlsKey& self, FileProvider& files,
                const boost::asio::ip::tcp::endpoint& at, ServerLimits limits = {});
    ~HttpsServer();
    HttpsServer(const HttpsServer&) = delete;
    HttpsServer& operator=(const HttpsServer&) = delete;

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    // Stops accepting and ends every open connection.
    void stop();
    ServerCounters counters() const;

    // What it is sending now: one entry per (file, client), a stream lasting from its first
    // body byte until 3 s after its last (docs/protocol.md section 13.4).
    std::vector<Serving> serving() const;
    // Paces body writes by `advice` (the resident node's advice for a bulk sender, priority
    // normal), asked at most once a second: full speed while clear, at most the advised rate
    // while yielding (`floor_bps` when the advice names none). Empty: never paced.
    void pace_by(std::function<std::optional<Advice>()> advice,
                 std::uint64_t floor_bps = AdviceConfig{}.floor_bps);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace mcast::share
