// The resident node's control socket (docs/weather.md, "Control socket"): a Unix stream socket
// that takes one JSON request per line and answers each with one line. The server knows lines,
// limits and who may connect; what a request means is its handler's business (the weather
// service), so that sharing can add its requests later without a second socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace mcast::control {

// Who is on the other end (SO_PEERCRED).
struct PeerCredentials {
    unsigned uid = 0;
    unsigned gid = 0;
    int pid = 0;
    std::uint64_t connection = 0; // which connection of this server (what on_close names)
};

class Server {
public:
    using Handler = std::function<boost::json::object(const boost::json::object& request,
                                                      const PeerCredentials& peer)>;
    struct Options {
        std::filesystem::path path;
        // Members of this group may connect too (the service's `mcast` group); the socket is
        // then mode 0660 and of that group. Empty: the owner (and root) only, mode 0600.
        std::string group;
        std::size_t max_connections = 16;
        // Called when a connection that was admitted ends (the peer closed it or died), so that
        // what it held while connected (a declaration of `mcast activity run`) can end with it.
        std::function<void(std::uint64_t connection)> on_close;
    };

    // Binds and listens. A socket file that nobody answers on is a leftover and is replaced; one
    // that answers belongs to another node: ControlError with one line. Also throws when the
    // directory cannot be made or the group does not exist.
    Server(boost::asio::io_context& io, Options opts, Handler handler);
    ~Server(); // closes every connection and removes the socket file
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    const std::filesystem::path& path() const;
    std::size_t connections() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace mcast::control
