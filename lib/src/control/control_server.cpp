// The control socket server; see control_server.hpp.
#include "control/control_server.hpp"

#include "control/control_json.hpp"

#include <mcast/control.hpp>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

namespace mcast::control {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

ControlError fail(std::string text) {
    return ControlError(std::move(text));
}

std::optional<gid_t> group_id(const std::string& name) {
    std::vector<char> buf(16384);
    group gr{};
    group* found = nullptr;
    if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || !found)
        return std::nullopt;
    return found->gr_gid;
}

// True when the user `uid` (primary group `gid`) belongs to group `g`.
bool in_group(uid_t uid, gid_t gid, gid_t g) {
    if (gid == g) return true;
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return false;
    int n = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(n));
    if (::getgrouplist(found->pw_name, gid, groups.data(), &n) < 0) {
        groups.resize(static_cast<std::size_t>(n));
        if (::getgrouplist(found->pw_name, gid, groups.data(), &n) < 0) return false;
    }
    groups.resize(static_cast<std::size_t>(n));
    return std::find(groups.begin(), groups.end(), g) != groups.end();
}

// True when something answers at `path` (another node's socket).
bool someone_listens(asio::io_context& io, const std::filesystem::path& path) {
    local::socket probe(io);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path.string()), ec);
    return !ec;
}

} // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
    struct Connection {
        local::socket socket;
        asio::streambuf in{max_request_line};
        PeerCredentials peer;
        std::string out;
        explicit Connection(local::socket s) : socket(std::move(s)) {}
    };

    asio::io_context& io;
    Options opts;
    Handler handler;
    local::acceptor acceptor;
    std::optional<gid_t> gid;
    std::list<std::shared_ptr<Connection>> conns;
    std::uint64_t next_connection = 1;
    bool closed = false;

    Impl(asio::io_context& io_, Options o, Handler h)
        : io(io_), opts(std::move(o)), handler(std::move(h)), acceptor(io_) {}

    void open() {
        const auto& path = opts.path;
        if (!opts.group.empty()) {
            gid = group_id(opts.group);
            if (!gid) throw fail(fmt::format("control socket: no group '{}'", opts.group));
        }
        std::error_code fs_ec;
        if (auto dir = path.parent_path(); !dir.empty() && !std::filesystem::exists(dir, fs_ec)) {
            std::filesystem::create_directories(dir, fs_ec);
            if (fs_ec)
                throw fail(fmt::format("control socket: cannot make {}: {}", dir.string(),
                                       fs_ec.message()));
            ::chmod(dir.c_str(), gid ? 0750 : 0700);
            if (gid && ::chown(dir.c_str(), static_cast<uid_t>(-1), *gid) != 0)
                throw fail(fmt::format("control socket: cannot give {} to group {}: {}",
                                       dir.string(), opts.group, std::strerror(errno)));
        }
        if (path.string().size() >= sizeof(sockaddr_un{}.sun_path))
            throw fail(
                fmt::format("control socket: path too long for a Unix socket: {}", path.string()));
        if (std::filesystem::exists(std::filesystem::symlink_status(path, fs_ec))) {
            if (someone_listens(io, path))
                throw fail(fmt::format("another resident node listens at {} (choose another with "
                                       "--control or MCAST_CONTROL)",
                                       path.string()));
            ::unlink(path.c_str()); // a leftover of a node that died
        }
        boost::system::error_code ec;
        acceptor.open(local(), ec);
        // Bind with a mode that never lets anyone else in, even for an instant.
        mode_t old = ::umask(gid ? 0117 : 0177);
        if (!ec) acceptor.bind(local::endpoint(path.string()), ec);
        ::umask(old);
        if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) throw fail(fmt::format("control socket {}: {}", path.string(), ec.message()));
        if (gid && ::chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0)
            throw fail(fmt::format("control socket: cannot give {} to group {}: {}", path.string(),
                                   opts.group, std::strerror(errno)));
        accept();
    }

    bool allowed(const PeerCredentials& p) const {
        if (p.uid == 0 || p.uid == ::geteuid()) return true;
        return gid && in_group(p.uid, p.gid, *gid);
    }

    void accept() {
        acceptor.async_accept(
            [self = shared_from_this()](boost::system::error_code ec, local::socket s) {
                if (self->closed) return;
                if (!ec) self->admit(std::move(s));
                if (ec != asio::error::operation_aborted) self->accept();
            });
    }

    void admit(local::socket s) {
        auto c = std::make_shared<Connection>(std::move(s));
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(c->socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
            c->peer = {cred.uid, cred.gid, cred.pid};
        else
            c->peer = {static_cast<unsigned>(-1), static_cast<unsigned>(-1), 0};
        if (!allowed(c->peer))
            return refuse(
                c, fmt::format("uid {} may not use this node's control socket", c->peer.uid));
        if (conns.size() >= opts.max_connections)
            return refuse(
                c, fmt::format("too many control connections (at most {})", opts.max_connections));
        c->peer.connection = next_connection++;
        conns.push_back(c);
        read(c);
    }

    // Says why in one line, then closes.
    void refuse(const std::shared_ptr<Connection>& c, std::string why) {
        c->out = boost::json::serialize(error_reply(why)) + "\n";
        asio::async_write(c->socket, asio::buffer(c->out),
                          [c](boost::system::error_code, std::size_t) {
                              boost::system::error_code ignored;
                              c->socket.close(ignored);
                          });
    }

    void drop(const std::shared_ptr<Connection>& c) {
        boost::system::error_code ignored;
        c->socket.close(ignored);
        conns.remove(c);
        if (opts.on_close) opts.on_close(c->peer.connection);
    }

    void read(const std::shared_ptr<Connection>& c) {
        asio::async_read_until(
            c->socket, c->in, '\n',
            [self = shared_from_this(), c](boost::system::error_code ec, std::size_t n) {
                if (self->closed) return;
                if (ec == asio::error::not_found) {
                    self->conns.remove(c);
                    if (self->opts.on_close) self->opts.on_close(c->peer.connection);
                    return self->refuse(
                        c, fmt::format("request longer than {} bytes", max_request_line - 1));
                }
                if (ec) return self->drop(c);
                std::string line(asio::buffers_begin(c->in.data()),
                                 asio::buffers_begin(c->in.data()) +
                                     static_cast<std::ptrdiff_t>(n));
                c->in.consume(n);
                self->answer(c, line);
            });
    }

    void answer(const std::shared_ptr<Connection>& c, std::string_view line) {
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.remove_suffix(1);
        boost::json::object reply;
        boost::system::error_code parse_ec;
        auto v = boost::json::parse(line, parse_ec);
        if (parse_ec || !v.is_object())
            reply = error_reply("a request is one JSON object on one line");
        else
            try {
                reply = handler(v.as_object(), c->peer);
            } catch (const ControlError& e) {
                reply = error_reply(e.what());
                if (e.not_found) reply["not_found"] = true;
            } catch (const std::exception& e) {
                reply = error_reply(e.what());
            }
        c->out = boost::json::serialize(reply) + "\n";
        asio::async_write(
            c->socket, asio::buffer(c->out),
            [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
                if (self->closed) return;
                if (ec) return self->drop(c);
                self->read(c);
            });
    }

    void close() {
        if (closed) return;
        closed = true;
        boost::system::error_code ignored;
        acceptor.close(ignored);
        for (auto& c : conns)
            c->socket.close(ignored);
        conns.clear();
        ::unlink(opts.path.c_str());
    }
};

Server::Server(asio::io_context& io, Options opts, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(opts), std::move(handler))) {
    impl_->open();
}

Server::~Server() {
    impl_->close();
}

const std::filesystem::path& Server::path() const {
    return impl_->opts.path;
}

std::size_t Server::connections() const {
    return impl_->conns.size();
}

} // namespace mcast::control
