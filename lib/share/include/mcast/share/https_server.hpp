// The HTTPS server of a node's shares: TLS 1.3 with the node's own key (tls.hpp), the pure
// request handler over a FileProvider, connections bounded per peer key and in total (a
// connection past the bound gets 503 and is closed), handshakes bounded per address and in total
// and timed out. Runs on the caller's io_context (one thread).
//   mcast::share::HttpsServer server(io, identity, catalogue, {address, 0});
//   auto port = server.local_endpoint().port();
#pragma once

#include <mcast/identity.hpp>
#include <mcast/share/file_provider.hpp>
#include <mcast/share/tls.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

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

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace mcast::share
