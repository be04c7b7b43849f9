// The home router's own view of the uplink, read over UPnP IGD (miniupnpc): the total bytes its
// WAN interface has sent and received and the link's maximum bit rates. A worker thread finds
// the IGD with SSDP (multicast: run it only where sending multicast is allowed) and polls it; the
// caller reads the latest figures whenever it likes. The counters are the IGD's 32-bit ones:
// they wrap every 4 GiB, so poll at least every few seconds and unwrap them (CounterRate does).
// Built as the separate static library mcast_gateway, so that libmcast does not link miniupnpc.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mcast {

// One poll of the IGD, or the reason there is none.
struct IgdReading {
    bool ok = false;  // the figures below come from the IGD; when false, `note` says why not
    std::string note; // "no UPnP IGD answered on eth0 within 4000 ms", "IGD found", ...
    std::uint32_t bytes_sent = 0;            // WAN bytes out (upload), wrapping at 2^32
    std::uint32_t bytes_received = 0;        // WAN bytes in (download), wrapping at 2^32
    std::int64_t taken_ns = 0;               // steady_clock time of the poll; 0 before the first
    std::optional<std::uint64_t> max_up_bps; // the link's layer-1 rates, when the IGD says
    std::optional<std::uint64_t> max_down_bps;
    std::string name; // the IGD's root description URL ("http://10.77.0.254:36077/rootDesc.xml")
};

struct IgdMonitorOptions {
    // The interface (name, or an IPv4 address of it) that SSDP searches go out of; empty: the
    // system's default multicast interface.
    std::string interface;
    std::chrono::milliseconds poll_interval{1000};
    // How long to wait for SSDP answers, for each of two searches (IGD version 1, then 2): a
    // search that finds nothing takes twice this.
    std::chrono::milliseconds discover_timeout{2000};
    // After a search found nothing, or after the IGD stopped answering, search again this late.
    std::chrono::milliseconds rediscover_interval{30000};
    int failures_before_rediscover = 3; // polls in a row that fail before the IGD counts as lost
};

// Polls an IGD from a thread of its own:
//   IgdMonitor igd({.interface = "eth0"});
//   igd.start();
//   ...
//   auto r = igd.latest(); // every second or so
//   if (r.ok) up.feed(r.bytes_sent, MonoTime(std::chrono::nanoseconds(r.taken_ns)));
//   else show("gateway: unknown (" + r.note + ")");
// stop() (and the destructor) returns once the thread has ended; a UPnP request in progress
// runs to its end first (miniupnpc's own timeouts, a few seconds at most).
class IgdMonitor {
public:
    explicit IgdMonitor(IgdMonitorOptions options = {});
    ~IgdMonitor();
    IgdMonitor(const IgdMonitor&) = delete;
    IgdMonitor& operator=(const IgdMonitor&) = delete;

    void start(); // no-op when already running
    void stop();
    IgdReading latest() const;

private:
    void run();
    bool sleep_for(std::chrono::milliseconds d); // false when stopping
    void publish(IgdReading r);

    IgdMonitorOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    IgdReading latest_;
    std::thread worker_;
};

} // namespace mcast
