// `mcast fetch --stream`: a plain HTTP server on 127.0.0.1 that serves one file while a Fetcher
// fetches it, so that a player (mpv, VLC, curl) reads it with Range requests from the start.
// Each request's blocks are asked for in the order the player reads them (Fetcher::want) and
// sent only once verified; bytes come from the part file, never from the network directly.
//   StreamProxy proxy(io, fetcher, "film.mkv");
//   std::cout << proxy.url() << "\n";
#pragma once

#include <mcast/share/fetcher.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace mcast::share {

class StreamProxy {
public:
    // Listens on 127.0.0.1 (port 0: any free one). Call notify() on each FetchProgress so that
    // waiting requests go on. `fetcher` must be started and outlive the proxy.
    StreamProxy(boost::asio::io_context& io, Fetcher& fetcher, std::string file_name,
                std::uint16_t port = 0);
    ~StreamProxy();
    StreamProxy(const StreamProxy&) = delete;
    StreamProxy& operator=(const StreamProxy&) = delete;

    std::string url() const; // http://127.0.0.1:PORT/NAME
    void notify();           // a block was verified (or the fetch ended)
    // The fetch failed: requests waiting for blocks end (their connections are closed).
    void fail();
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace mcast::share
