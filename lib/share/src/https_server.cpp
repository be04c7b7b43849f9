// The HTTPS server: accept loop and one coroutine per connection (handshake, requests, bounded
// and timed), over Beast's ssl_stream. Everything HTTP is decided by handle_request().
#include <mcast/share/https_server.hpp>
#include <mcast/share/request_handler.hpp>
#include <mcast/share/tls.hpp>

#include "transfer/connection_slots.hpp"
#include "transfer/send_pacer.hpp"
#include "transfer/serve_table.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <functional>
#include <list>

namespace mcast::share {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

struct HttpsServer::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io_, const TlsKey& self, FileProvider& files_, ServerLimits lim)
        : io(io_), ctx(make_server_context(self)), files(files_), limits(lim), acceptor(io_),
          peers(lim.connections_per_peer, lim.connections),
          handshakes(lim.handshakes_per_address, lim.handshakes) {}

    asio::io_context& io;
    asio::ssl::context ctx;
    FileProvider& files;
    ServerLimits limits;
    tcp::acceptor acceptor;
    ConnectionSlots peers;
    ConnectionSlots handshakes;
    ServerCounters counters;
    std::list<std::weak_ptr<Stream>> open; // to end them on stop()
    bool stopped = false;
    ServeTable serves;
    // Weather pacing: the advice source, asked at most once a second, and the bucket.
    std::function<std::optional<Advice>()> advice;
    std::uint64_t floor_bps = 0;
    std::chrono::steady_clock::time_point asked{};
    SendPacer pacer;

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(tcp::socket socket);
    asio::awaitable<bool> respond(Stream& stream, Response res, const Peer* peer = nullptr);
    asio::awaitable<void> pace(Stream& stream);
};

asio::awaitable<void> HttpsServer::Impl::accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
        boost::system::error_code ec;
        tcp::socket socket =
            co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (stopped || ec == asio::error::operation_aborted) co_return;
            continue; // EMFILE and friends: the next accept may succeed
        }
        asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
}

// Holds the next write back while the weather advice asks this bulk sender to keep below a
// rate (send_pacer.hpp); the advice is asked again once a second.
asio::awaitable<void> HttpsServer::Impl::pace(Stream& stream) {
    if (!advice) co_return;
    auto now = std::chrono::steady_clock::now();
    if (now - asked >= std::chrono::seconds(1)) {
        asked = now;
        pacer.set_rate(paced_rate(advice(), floor_bps), now);
    }
    auto wait = pacer.wait(now);
    if (wait.count() <= 0) co_return;
    ++counters.paced_waits;
    asio::steady_timer timer(stream.get_executor(), wait);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Writes a response piece by piece, each piece under the idle timeout (a large file may take
// long in all, but never stalls long). A file body is a stream of serving() while it goes.
// False when the connection is to end.
asio::awaitable<bool> HttpsServer::Impl::respond(Stream& stream, Response res, const Peer* peer) {
    std::optional<ServeTable::Key> stream_key;
    auto etag = res[http::field::etag];
    if (peer && res.body().file && res.body().length > 0 && etag.size() == 66)
        if (auto root = digest_from_hex(etag.substr(1, 64)))
            stream_key = serves.begin(
                *root, peer->key ? std::optional(NodeId::of(*peer->key)) : std::nullopt,
                peer->address, std::chrono::steady_clock::now());
    http::response_serializer<RangeBody> sr{res};
    boost::system::error_code ec;
    while (!sr.is_done()) {
        co_await pace(stream);
        beast::get_lowest_layer(stream).expires_after(limits.idle_timeout);
        auto n = co_await http::async_write_some(stream, sr,
                                                 asio::redirect_error(asio::use_awaitable, ec));
        auto now = std::chrono::steady_clock::now();
        if (advice) pacer.spent(n, now);
        if (stream_key) serves.sent(*stream_key, n, now);
        if (ec) break;
        counters.bytes_sent += n;
    }
    if (stream_key) serves.end(*stream_key, std::chrono::steady_clock::now());
    co_return !ec && res.keep_alive();
}

asio::awaitable<void> HttpsServer::Impl::serve(tcp::socket socket) {
    auto self = shared_from_this();
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) co_return;
    Peer peer{std::nullopt, remote.address().to_string()};

    auto hs_slot = handshakes.take(peer.address);
    if (!hs_slot) { // before TLS there is no way to say 503: close
        ++counters.handshake_failures;
        co_return;
    }
    auto stream = std::make_shared<Stream>(std::move(socket), ctx);
    open.push_back(stream);
    auto forget = std::unique_ptr<void, std::function<void(void*)>>(
        reinterpret_cast<void*>(1), [this, it = std::prev(open.end())](void*) { open.erase(it); });

    beast::get_lowest_layer(*stream).expires_after(limits.handshake_timeout);
    co_await stream->async_handshake(asio::ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    hs_slot.reset();
    if (ec) {
        ++counters.handshake_failures;
        co_return;
    }
    ++counters.connections;
    peer.key = peer_key(stream->native_handle());
    std::string who =
        peer.key ? to_hex(ByteView(peer.key->data(), peer.key->size())) : peer.address;
    auto slot = peers.take(who);

    beast::flat_buffer buffer;
    while (!stopped) {
        http::request_parser<http::empty_body> parser;
        parser.header_limit(8 * 1024);
        parser.body_limit(0);
        beast::get_lowest_layer(*stream).expires_after(limits.idle_timeout);
        co_await http::async_read(*stream, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec == http::error::end_of_stream || ec == asio::ssl::error::stream_truncated ||
            ec == beast::error::timeout || ec == asio::error::operation_aborted ||
            ec == asio::error::eof || ec == asio::error::connection_reset)
            break;
        if (ec) {
            ++counters.bad_requests;
            auto status = ec == http::error::header_limit
                              ? http::status::request_header_fields_too_large
                              : http::status::bad_request;
            co_await respond(*stream, status_response(status, 11, false));
            break;
        }
        ++counters.requests;
        const auto& req = parser.get();
        if (!slot) {
            ++counters.busy;
            co_await respond(
                *stream, status_response(http::status::service_unavailable, req.version(), false));
            break;
        }
        if (!co_await respond(*stream, handle_request(req, peer, files), &peer)) break;
    }
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(2));
    co_await stream->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

HttpsServer::HttpsServer(asio::io_context& io, const TlsKey& self, FileProvider& files,
                         const tcp::endpoint& at, ServerLimits limits)
    : impl_(std::make_shared<Impl>(io, self, files, limits)) {
    impl_->acceptor.open(at.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    // "::" takes IPv4 too (mapped addresses); a given IPv6 address only itself.
    if (at.address().is_v6())
        impl_->acceptor.set_option(asio::ip::v6_only(!at.address().is_unspecified()));
    impl_->acceptor.bind(at);
    impl_->acceptor.listen();
    asio::co_spawn(io, impl_->accept_loop(), asio::detached);
}

HttpsServer::~HttpsServer() {
    stop();
}

tcp::endpoint HttpsServer::local_endpoint() const {
    return impl_->acceptor.local_endpoint();
}

void HttpsServer::stop() {
    impl_->stopped = true;
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    for (auto& w : impl_->open)
        if (auto s = w.lock()) beast::get_lowest_layer(*s).close();
}

ServerCounters HttpsServer::counters() const {
    return impl_->counters;
}

std::vector<Serving> HttpsServer::serving() const {
    return impl_->serves.current(std::chrono::steady_clock::now());
}

void HttpsServer::pace_by(std::function<std::optional<Advice>()> advice, std::uint64_t floor_bps) {
    impl_->advice = std::move(advice);
    impl_->floor_bps = floor_bps;
    impl_->asked = {};
    impl_->pacer.set_rate(std::nullopt, std::chrono::steady_clock::now());
}

} // namespace mcast::share
