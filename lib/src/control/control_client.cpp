// The blocking control socket client and the socket's default path; see control.hpp.
#include <mcast/control.hpp>

#include "control/control_json.hpp"

#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mcast {

namespace json = boost::json;

std::filesystem::path default_control_path() {
    if (const char* p = std::getenv("MCAST_CONTROL"); p && *p) return p;
    if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x)
        return std::filesystem::path(x) / "mcast" / "control";
    if (::geteuid() == 0) return "/run/mcast/control";
    return fmt::format("/tmp/mcast-{}/control", ::geteuid());
}

std::vector<std::filesystem::path> control_paths() {
    std::vector<std::filesystem::path> out{default_control_path()};
    if (out[0] != "/run/mcast/control") out.emplace_back("/run/mcast/control");
    return out;
}

struct ControlClient::Impl {
    std::filesystem::path path;
    int fd = -1;
    std::string pending; // bytes read beyond the last line
    ~Impl() {
        if (fd >= 0) ::close(fd);
    }

    [[noreturn]] void lost(std::string_view what) const {
        throw ControlError(fmt::format("control socket {}: {}", path.string(), what));
    }

    json::object call(json::object request) {
        auto line = json::serialize(request) + "\n";
        std::size_t off = 0;
        int send_error = 0;
        while (off < line.size()) {
            auto n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // The node may have refused the connection with a line and closed it before
                // the request went out (too many connections): read that line below.
                send_error = errno;
                break;
            }
            off += static_cast<std::size_t>(n);
        }
        for (;;) {
            if (auto nl = pending.find('\n'); nl != std::string::npos) {
                auto reply_line = pending.substr(0, nl);
                pending.erase(0, nl + 1);
                boost::system::error_code ec;
                auto v = json::parse(reply_line, ec);
                if (ec || !v.is_object()) lost("the node's answer is not a JSON object");
                auto& o = v.as_object();
                if (const auto* ok = o.if_contains("ok"); !ok || !ok->is_bool() || !ok->as_bool()) {
                    const auto* e = o.if_contains("error");
                    ControlError err(e && e->is_string()
                                         ? std::string(e->as_string())
                                         : std::string("the node refused the request"));
                    const auto* nf = o.if_contains("not_found");
                    err.not_found = nf && nf->is_bool() && nf->as_bool();
                    throw err;
                }
                return std::move(o);
            }
            if (pending.size() > control::max_response_line) lost("answer too long");
            char buf[8192];
            auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                lost("the node did not answer in time");
            if (n < 0) lost(std::strerror(send_error ? send_error : errno));
            if (n == 0)
                lost(send_error ? std::strerror(send_error) : "the node closed the connection");
            pending.append(buf, static_cast<std::size_t>(n));
        }
    }
};

ControlClient::ControlClient(std::filesystem::path path, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    if (path.empty()) {
        std::string tried;
        for (const auto& candidate : control_paths()) {
            try {
                *this = ControlClient(candidate, timeout);
                return;
            } catch (const ControlError& e) {
                if (!e.no_node) throw;
            }
            tried += (tried.empty() ? "" : " or ") + candidate.string();
        }
        ControlError e(
            fmt::format("no resident node on this machine (nothing listens at {})", tried));
        e.no_node = true;
        throw e;
    }
    impl_->path = std::move(path);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const auto& p = impl_->path.native();
    if (p.size() >= sizeof addr.sun_path)
        throw ControlError(fmt::format("control socket path too long: {}", p));
    std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
    impl_->fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (impl_->fd < 0) impl_->lost(std::strerror(errno));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(impl_->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(impl_->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(impl_->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        int err = errno;
        ControlError e(
            err == ENOENT || err == ECONNREFUSED
                ? fmt::format("no resident node on this machine (nothing listens at {})", p)
                : fmt::format("control socket {}: {}", p, std::strerror(err)));
        e.no_node = err == ENOENT || err == ECONNREFUSED;
        throw e;
    }
}

ControlClient::~ControlClient() = default;
ControlClient::ControlClient(ControlClient&&) noexcept = default;
ControlClient& ControlClient::operator=(ControlClient&&) noexcept = default;

const std::filesystem::path& ControlClient::path() const {
    return impl_->path;
}

std::string ControlClient::declare(const Activity& a, std::chrono::milliseconds lease, bool hold) {
    auto req = control::to_json(a);
    req["op"] = "declare";
    req["lease_ms"] = lease.count();
    if (hold) req["hold"] = true;
    auto reply = impl_->call(std::move(req));
    const auto* id = reply.if_contains("id");
    if (!id || !id->is_string()) impl_->lost("the node's answer has no id");
    return std::string(id->as_string());
}

void ControlClient::renew(const std::string& id, std::chrono::milliseconds lease) {
    impl_->call({{"op", "renew"}, {"id", id}, {"lease_ms", lease.count()}});
}

void ControlClient::clear(const std::string& id) {
    impl_->call({{"op", "clear"}, {"id", id}});
}

std::vector<Declaration> ControlClient::list() {
    auto reply = impl_->call({{"op", "list"}});
    std::vector<Declaration> out;
    if (const auto* ds = reply.if_contains("declarations"); ds && ds->is_array())
        for (const auto& d : ds->as_array())
            if (d.is_object()) out.push_back(control::declaration_from_json(d.as_object()));
    return out;
}

namespace {
std::string_view heed_name(Heed h) {
    return h == Heed::trusted ? "trusted" : "any";
}
} // namespace

Weather ControlClient::weather(Heed heed) {
    auto reply = impl_->call({{"op", "weather"}, {"heed", heed_name(heed)}});
    const auto* w = reply.if_contains("weather");
    if (!w || !w->is_object()) impl_->lost("the node's answer has no weather");
    return control::weather_from_json(w->as_object());
}

Advice ControlClient::advice(std::uint8_t priority, Heed heed) {
    auto reply = impl_->call({{"op", "advice"}, {"priority", priority}, {"heed", heed_name(heed)}});
    const auto* a = reply.if_contains("advice");
    if (!a || !a->is_object()) impl_->lost("the node's answer has no advice");
    return control::advice_from_json(a->as_object());
}

std::string ControlClient::call(const std::string& request_json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(request_json, ec);
    if (ec || !v.is_object()) throw ControlError("not a JSON object");
    return boost::json::serialize(impl_->call(std::move(v.as_object())));
}

} // namespace mcast
