// The resident node's control socket, seen from a program on the same machine: declare what this
// machine is doing (an activity with a lease that lapses unless renewed, so a crashed program
// never leaves a stale "live-stream" behind), and read the LAN's weather and the advice for a
// priority, without linking more than this client. docs/weather.md describes the line protocol
// (one JSON object per line each way) for programs that speak it directly.
#pragma once

#include <mcast/export.hpp>
#include <mcast/weather.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcast {

// Where a resident node serves its socket: $MCAST_CONTROL when set, else
// $XDG_RUNTIME_DIR/mcast/control, else /run/mcast/control for root, else /tmp/mcast-UID/control.
MCAST_API std::filesystem::path default_control_path();
// Where a client looks, in order: default_control_path(), then the service's
// /run/mcast/control (a user's programs find the machine's service node).
MCAST_API std::vector<std::filesystem::path> control_paths();

// One declaration the node holds.
struct Declaration {
    std::string id; // "a1": what renew and clear name
    Activity activity;
    std::chrono::milliseconds remaining{0}; // until its lease lapses
    unsigned owner_uid = 0;
    friend bool operator==(const Declaration&, const Declaration&) = default;
};

// No node answers at the path, or the node refused a request: what() is one line.
struct MCAST_API ControlError : std::runtime_error {
    using std::runtime_error::runtime_error;
    bool no_node = false;   // nothing listens at the path (as opposed to a refused request)
    bool not_found = false; // the request named a declaration the node does not hold
};

// A blocking client; each call sends one request and waits for its answer (at most `timeout`).
class MCAST_API ControlClient {
public:
    // Connects to `path` (empty: the first of control_paths() that answers); throws ControlError
    // (no_node set) when no resident node listens there.
    explicit ControlClient(std::filesystem::path path = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(3));
    ~ControlClient();
    ControlClient(ControlClient&&) noexcept;
    ControlClient& operator=(ControlClient&&) noexcept;

    // Declares `a` for `lease`; returns its id. With `hold`, the declaration also ends when this
    // client's connection does (its program exited or was killed), lease or not.
    std::string declare(const Activity& a, std::chrono::milliseconds lease, bool hold = false);
    void renew(const std::string& id, std::chrono::milliseconds lease);
    // Clears one declaration (its owner or root may).
    void clear(const std::string& id);
    std::vector<Declaration> list();
    Weather weather(Heed heed = Heed::any);
    Advice advice(std::uint8_t priority, Heed heed);
    // Any request, as JSON text of one object with its "op" (the share requests of
    // share_service.hpp); returns the reply the same way. A refusal throws ControlError.
    std::string call(const std::string& request_json);

    const std::filesystem::path& path() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
