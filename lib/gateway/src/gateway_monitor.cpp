// IgdMonitor: SSDP discovery and SOAP polls through miniupnpc, all blocking, all on the worker
// thread; the only shared state is the latest reading, under a mutex.
#include <mcast/gateway_monitor.hpp>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include <memory>
#include <utility>

namespace mcast {
namespace {

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// miniupnpc returns UPNPCOMMAND_HTTP_ERROR cast to unsigned when the request failed: a counter
// that really reads 0xfffffffd once is taken for a failed poll, a loss of one sample.
constexpr auto failed_counter = static_cast<UNSIGNED_INTEGER>(UPNPCOMMAND_HTTP_ERROR);

struct DevlistDeleter {
    void operator()(UPNPDev* d) const { freeUPNPDevlist(d); }
};

// A found IGD: its URLs and service data, freed with it.
struct Igd {
    UPNPUrls urls{};
    IGDdatas data{};
    bool connected = false;
    Igd() = default;
    Igd(const Igd&) = delete;
    Igd& operator=(const Igd&) = delete;
    ~Igd() { FreeUPNPUrls(&urls); }
};

} // namespace

IgdMonitor::IgdMonitor(IgdMonitorOptions options) : options_(std::move(options)) {
    latest_.note = "not started";
}

IgdMonitor::~IgdMonitor() {
    stop();
}

void IgdMonitor::start() {
    std::lock_guard lock(mutex_);
    if (worker_.joinable()) return;
    stopping_ = false;
    latest_.note = "searching for a UPnP IGD";
    worker_ = std::thread([this] { run(); });
}

void IgdMonitor::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
}

IgdReading IgdMonitor::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

bool IgdMonitor::sleep_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void IgdMonitor::publish(IgdReading r) {
    std::lock_guard lock(mutex_);
    latest_ = std::move(r);
}

void IgdMonitor::run() {
    const std::string where =
        options_.interface.empty() ? std::string() : " on " + options_.interface;
    const auto timeout_ms = static_cast<int>(options_.discover_timeout.count());
    std::unique_ptr<Igd> igd;
    int failures = 0;
    unsigned polls = 0;
    std::optional<std::uint64_t> max_up, max_down;

    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        if (!igd) {
            int error = 0;
            // Only IGDs, version 1 first (a version 2 IGD answers it too): upnpDiscover would
            // also try two services and upnp:rootdevice, waiting the full timeout for each.
            static const char* const igd_types[] = {
                "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
                "urn:schemas-upnp-org:device:InternetGatewayDevice:2", nullptr};
            std::unique_ptr<UPNPDev, DevlistDeleter> devices(upnpDiscoverDevices(
                igd_types, timeout_ms,
                options_.interface.empty() ? nullptr : options_.interface.c_str(), nullptr,
                UPNP_LOCAL_PORT_ANY, 0, 2, &error, 0));
            auto found = std::make_unique<Igd>();
            char lan[64] = {};
            // 1: connected; 2: an IGD that says its WAN is not connected, which routers behind
            // another NAT (carrier-grade NAT, a modem's) often do: its counters are good all the
            // same; 3: a UPnP device that is no IGD.
            const int kind = devices ? UPNP_GetValidIGD(devices.get(), &found->urls, &found->data,
                                                        lan, sizeof lan)
                                     : 0;
            if (kind == 1 || kind == 2) {
                found->connected = kind == 1;
                igd = std::move(found);
                failures = 0;
                polls = 0;
                max_up.reset();
                max_down.reset();
            } else {
                IgdReading r;
                r.note = kind == 3 ? "UPnP devices answered" + where + ", but none is an IGD"
                                   : "no UPnP IGD answered" + where + " within " +
                                         std::to_string(2 * timeout_ms) + " ms";
                if (!devices && error != UPNPDISCOVER_SUCCESS)
                    r.note = "UPnP search failed" + where + " (miniupnpc error " +
                             std::to_string(error) + ")";
                publish(std::move(r));
                if (!sleep_for(options_.rediscover_interval)) return;
                continue;
            }
        }

        const auto started = std::chrono::steady_clock::now();
        const char* cif_url = igd->urls.controlURL_CIF;
        const char* cif_type = igd->data.CIF.servicetype;
        if (polls++ % 60 == 0) { // the link rates change rarely: once a minute
            unsigned int down = 0, up = 0;
            if (UPNP_GetLinkLayerMaxBitRates(cif_url, cif_type, &down, &up) ==
                UPNPCOMMAND_SUCCESS) {
                max_down = down ? std::optional<std::uint64_t>(down) : std::nullopt;
                max_up = up ? std::optional<std::uint64_t>(up) : std::nullopt;
            }
        }
        const auto sent = UPNP_GetTotalBytesSent(cif_url, cif_type);
        const auto received = UPNP_GetTotalBytesReceived(cif_url, cif_type);
        const auto taken = steady_ns();
        IgdReading r;
        r.name = igd->urls.rootdescURL ? igd->urls.rootdescURL : "";
        if (sent == failed_counter || received == failed_counter) {
            r.note = "the IGD " + r.name + " does not answer its byte counters";
            if (++failures >= options_.failures_before_rediscover) {
                r.note += "; searching again in " +
                          std::to_string(options_.rediscover_interval.count() / 1000) + " s";
                igd.reset();
                publish(std::move(r));
                if (!sleep_for(options_.rediscover_interval)) return;
                continue;
            }
        } else {
            failures = 0;
            r.ok = true;
            r.note =
                igd->connected ? "IGD found" : "IGD found (it reports its WAN as not connected)";
            r.bytes_sent = static_cast<std::uint32_t>(sent);
            r.bytes_received = static_cast<std::uint32_t>(received);
            r.taken_ns = taken;
            r.max_up_bps = max_up;
            r.max_down_bps = max_down;
        }
        publish(std::move(r));
        const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        if (!sleep_for(spent < options_.poll_interval ? options_.poll_interval - spent
                                                      : std::chrono::milliseconds(0)))
            return;
    }
}

} // namespace mcast
