// StreamProxy: the player's side of `fetch --stream`. One coroutine per connection; a request
// waits for each block it needs to be verified, asking the Fetcher for it first.
#include <mcast/share/request_handler.hpp>
#include <mcast/share/stream_proxy.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <cctype>
#include <cerrno>
#include <fcntl.h>
#include <list>
#include <unistd.h>

namespace mcast::share {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

struct StreamProxy::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io_, Fetcher& f, std::filesystem::path out)
        : io(io_), fetcher(f), output(std::move(out)), acceptor(io_) {}
    ~Impl() {
        if (fd >= 0) ::close(fd);
    }

    asio::io_context& io;
    Fetcher& fetcher;
    std::filesystem::path output;
    tcp::acceptor acceptor;
    int fd = -1;
    bool failed = false;
    bool stopped = false;
    std::list<asio::steady_timer*> waiting;
    std::list<std::weak_ptr<tcp::socket>> open;

    bool open_file() {
        if (fd >= 0) return true;
        fd = ::open(Fetcher::part_path(output).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fd = ::open(output.c_str(), O_RDONLY | O_CLOEXEC); // already complete
        return fd >= 0;
    }
    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket);
    asio::awaitable<bool> wait_for(std::size_t block);
};

asio::awaitable<void> StreamProxy::Impl::accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
        boost::system::error_code ec;
        auto s = std::make_shared<tcp::socket>(
            co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec)));
        if (ec) {
            if (stopped || ec == asio::error::operation_aborted) co_return;
            continue;
        }
        open.push_back(s);
        asio::co_spawn(io, serve(s), asio::detached);
    }
}

// Until `block` is verified: false when the fetch failed or the proxy stops.
asio::awaitable<bool> StreamProxy::Impl::wait_for(std::size_t block) {
    if (fetcher.verified(block)) co_return true;
    fetcher.want(block);
    asio::steady_timer timer(io);
    auto it = waiting.insert(waiting.end(), &timer);
    while (!fetcher.verified(block) && !failed && !stopped) {
        timer.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    waiting.erase(it);
    co_return fetcher.verified(block);
}

asio::awaitable<void> StreamProxy::Impl::serve(std::shared_ptr<tcp::socket> socket) {
    auto self = shared_from_this();
    const Manifest& m = fetcher.manifest();
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    std::vector<char> piece(64 * 1024);
    while (!stopped) {
        http::request_parser<http::empty_body> parser;
        parser.header_limit(8 * 1024);
        parser.body_limit(0);
        co_await http::async_read(*socket, buffer, parser,
                                  asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
                auto res = status_response(http::status::bad_request, 11, false);
                http::response_serializer<RangeBody> sr{res};
                co_await http::async_write(*socket, sr,
                                           asio::redirect_error(asio::use_awaitable, ec));
            }
            break;
        }
        const auto& req = parser.get();
        auto refuse = [&](http::status st) { return status_response(st, req.version(), false); };
        std::optional<Response> refusal;
        ByteRange range{0, m.size == 0 ? 0 : m.size - 1};
        bool partial = false;
        if (req.method() != http::verb::get && req.method() != http::verb::head) {
            refusal = refuse(http::status::method_not_allowed);
            refusal->set(http::field::allow, "GET, HEAD");
        } else if (!open_file()) {
            refusal = refuse(http::status::service_unavailable);
        } else if (auto it = req.find(http::field::range); it != req.end()) {
            auto r = parse_range(it->value(), m.size);
            if (auto* e = std::get_if<RangeError>(&r)) {
                refusal = refuse(*e == RangeError::malformed ? http::status::bad_request
                                                             : http::status::range_not_satisfiable);
                if (*e == RangeError::unsatisfiable)
                    refusal->set(http::field::content_range, "bytes */" + std::to_string(m.size));
            } else {
                range = std::get<ByteRange>(r);
                partial = true;
            }
        }
        if (refusal) {
            http::response_serializer<RangeBody> sr{*refusal};
            co_await http::async_write(*socket, sr, asio::redirect_error(asio::use_awaitable, ec));
            break;
        }
        const std::uint64_t length = m.size == 0 ? 0 : range.last - range.first + 1;
        http::response<http::empty_body> res{
            partial ? http::status::partial_content : http::status::ok, req.version()};
        res.set(http::field::server, "mcast");
        res.set(http::field::content_type, "application/octet-stream");
        res.set(http::field::accept_ranges, "bytes");
        if (partial)
            res.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                    std::to_string(range.last) + "/" +
                                                    std::to_string(m.size));
        res.content_length(length);
        res.keep_alive(req.keep_alive());
        http::response_serializer<http::empty_body> sr{res};
        co_await http::async_write_header(*socket, sr,
                                          asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        if (req.method() == http::verb::head) {
            if (!req.keep_alive()) break;
            continue;
        }
        std::uint64_t pos = range.first;
        bool ok = true;
        while (ok && length && pos <= range.last) {
            auto block = static_cast<std::size_t>(pos / m.block_size);
            if (!co_await wait_for(block)) {
                ok = false;
                break;
            }
            auto block_end = m.block_offset(block) + m.block_length(block); // exclusive
            auto n = static_cast<std::size_t>(
                std::min<std::uint64_t>({piece.size(), range.last + 1 - pos, block_end - pos}));
            auto got = ::pread(fd, piece.data(), n, static_cast<off_t>(pos));
            if (got <= 0) {
                ok = false;
                break;
            }
            co_await asio::async_write(*socket,
                                       asio::buffer(piece.data(), static_cast<std::size_t>(got)),
                                       asio::redirect_error(asio::use_awaitable, ec));
            if (ec) ok = false;
            pos += static_cast<std::uint64_t>(got);
        }
        if (!ok || !req.keep_alive()) break;
    }
    socket->shutdown(tcp::socket::shutdown_both, ec);
    socket->close(ec);
}

StreamProxy::StreamProxy(asio::io_context& io, Fetcher& fetcher, std::string file_name,
                         std::uint16_t port)
    : impl_(std::make_shared<Impl>(io, fetcher, std::filesystem::path(std::move(file_name)))) {
    tcp::endpoint at(asio::ip::make_address("127.0.0.1"), port);
    impl_->acceptor.open(at.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(at);
    impl_->acceptor.listen();
    asio::co_spawn(io, impl_->accept_loop(), asio::detached);
}

StreamProxy::~StreamProxy() {
    stop();
}

std::string StreamProxy::url() const {
    auto name = impl_->output.filename().string();
    std::string escaped;
    for (char ch : name) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~')
            escaped += static_cast<char>(c);
        else {
            const char* hex = "0123456789ABCDEF";
            escaped += '%';
            escaped += hex[c >> 4];
            escaped += hex[c & 15];
        }
    }
    return "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port()) + "/" +
           escaped;
}

void StreamProxy::notify() {
    for (auto* t : impl_->waiting)
        t->cancel();
}

void StreamProxy::fail() {
    impl_->failed = true;
    notify();
}

void StreamProxy::stop() {
    impl_->stopped = true;
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    for (auto& w : impl_->open)
        if (auto s = w.lock()) s->close(ec);
    notify();
}

} // namespace mcast::share
