// The weather service of a node (docs/weather.md): measures this machine's default-route link
// every second (and the gateway's latency, and its IGD counters when a monitor is given), keeps
// the declarations of local programs under leases, sends a signed weather report every interval
// and at once (debounced) when a declaration starts or ends, and folds every node's reports into
// the LAN's Weather, from which it gives advice. It runs on a Session and never prints; the
// resident node (`mcast announce`) serves it on the control socket (control.hpp).
#pragma once

#include <mcast/control.hpp>
#include <mcast/export.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/session.hpp>
#include <mcast/weather.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mcast {

// One reading of the gateway's UPnP IGD: its raw 32-bit byte counters (the service unwraps them)
// and its link's maximum bit rates. `ok` false: no IGD, and `note` says why.
struct GatewayReading {
    bool ok = false;
    std::string note; // the IGD's name when ok, else why it is unknown
    std::uint32_t bytes_sent = 0;
    std::uint32_t bytes_received = 0;
    MonoTime taken{};
    std::optional<std::uint64_t> max_up_bps;
    std::optional<std::uint64_t> max_down_bps;
};

struct WeatherOptions {
    std::string name;                           // this node's announced name
    std::chrono::milliseconds interval{5000};   // steady-state report interval
    bool send = true;                           // false: listen only, send no reports
    bool anonymous = false;                     // no name, no labels, rates rounded
    bool measure = true;                        // sample the link and ping the gateway
    std::optional<std::uint64_t> uplink_up_bps; // the `uplink` setting
    std::optional<std::uint64_t> uplink_down_bps;
    AdviceConfig advice;
    std::function<bool(const NodeId&)> trusted; // for Heed::trusted and the trusted column
    std::function<GatewayReading()> igd;        // the IGD monitor; empty: none
    std::size_t max_declarations = 32;
};

// What the service did and refused, for tests and `--stats`.
struct WeatherStats {
    std::uint64_t reports_sent = 0;
    std::uint64_t reports_taken = 0;
    std::uint64_t reports_stale = 0;  // older than one already seen from that node
    std::uint64_t reports_absurd = 0; // rates beyond any link
    std::uint64_t reports_full = 0;   // from a node beyond the table's bound
    std::uint64_t reports_malformed = 0;
};

class MCAST_API WeatherService {
public:
    WeatherService(Session& session, WeatherOptions opts);
    ~WeatherService();
    WeatherService(const WeatherService&) = delete;
    WeatherService& operator=(const WeatherService&) = delete;

    // Starts sampling, sending and receiving. The session must be started.
    void start();
    void stop();
    // Serves the control socket at `path` (members of `group` too, when not empty). Throws
    // ControlError with one line (another node listens there, no such group, …).
    void serve_control(const std::filesystem::path& path, const std::string& group = {});
    // Requests of another service on the same control socket (sharing's "shares"): requests
    // whose op is `op` go to `h`, which takes the request as JSON text of one object and returns
    // the reply the same way, or throws ControlError to refuse it.
    void route_control(std::string op,
                       std::function<std::string(const std::string& request, unsigned uid)> h);

    // Declarations of programs on this machine, with leases (ControlError for a bad request).
    std::string declare(const Activity& a, std::chrono::milliseconds lease, unsigned owner_uid);
    void renew(const std::string& id, std::chrono::milliseconds lease, unsigned uid);
    void clear(const std::string& id, unsigned uid);
    std::vector<Declaration> declarations() const;

    Weather weather(Heed heed = Heed::any) const;
    Advice advice(std::uint8_t priority, Heed heed) const;
    const WeatherStats& stats() const;

    // Called after each change of the LAN's weather (a report taken, a node forgotten, a sample).
    [[nodiscard]] Subscription on_update(std::function<void(const Weather&)> h);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

} // namespace mcast
