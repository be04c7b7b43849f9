// The speed test over a Session: SpeedResponder (run by every node and by ping --respond)
// counts a test's datagrams and reports when asked; SpeedSender paces the stream, asks for the
// reports and gathers them. Paced by the clock, not by timers per datagram, so high rates work.
#pragma once

#include <mcast/export.hpp>
#include <mcast/responder.hpp>
#include <mcast/session.hpp>
#include <mcast/speed.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mcast {

class MCAST_API SpeedResponder : public Responder {
public:
    SpeedResponder(Session& session, std::string name);
    ~SpeedResponder() override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct SpeedConfig {
    double rate = 1000; // datagrams per second; 0: as fast as this machine can sign and send
    std::chrono::nanoseconds duration = std::chrono::seconds(2);
    std::size_t size = 512; // datagram size in bytes, at most max_probe_size (pinger.hpp)
    int family = 4;
    // Whether the reports gathered so far are all the caller waits for (ping --speed --expect
    // or --peer): until then the sender keeps asking, up to its 4 s limit, instead of settling
    // when reports stop coming (a receiver slowed by a busy machine answers late). Unset:
    // settle on silence alone.
    std::function<bool(const std::map<std::string, SpeedReport>&)> complete;
};

struct SpeedResult {
    std::int64_t sent = 0;
    double seconds = 0;          // sending time
    double sent_rate = 0;        // datagrams/s actually sent
    bool sender_limited = false; // could not keep the requested rate
    // This host could not send the stream (a firewall rule here, an interface that cannot
    // send, none to send on): the reason in words; `refusals` say where and with which errno.
    std::string send_failure;
    std::vector<SendRefusal> refusals; // each family/interface/errno the kernel refused, once
    std::map<std::string, SpeedReport> reports; // by full responder id
};

class MCAST_API SpeedSender {
public:
    SpeedSender(Session& session, SpeedConfig cfg);
    ~SpeedSender();
    SpeedSender(const SpeedSender&) = delete;
    SpeedSender& operator=(const SpeedSender&) = delete;

    void on_done(std::function<void(const SpeedResult&)> h);
    void start();
    void stop();
    // Datagrams sent so far, for progress while the test runs.
    std::int64_t sent() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
