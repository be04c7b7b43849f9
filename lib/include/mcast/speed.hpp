// Speed test (docs/protocol.md section 10): a sender streams numbered, signed datagrams at a set
// rate; every responder counts what arrives (received, lost, reordered, jitter as RFC 3550
// computes it) and, when the sender asks at the end, answers with a signed report. The payloads
// and the per-test counters are sans-IO.
#pragma once

#include <mcast/export.hpp>
#include <mcast/message_type.hpp>
#include <mcast/presence.hpp>
#include <mcast/value.hpp>

#include <cstdint>
#include <optional>

namespace mcast {

struct SpeedData {
    Nonce test{};
    std::int64_t seq = 0; // from 1
    std::size_t pad = 0;
};

struct SpeedEnd {
    Nonce test{};
    std::int64_t sent = 0;
    // The sender reads the responder's own drops in reports (an optional third field, `options`
    // bit 0): a responder adds them only then, because older senders ignore an 11-field report.
    bool wants_drops = false;
};

struct SpeedReport {
    Nonce test{};
    std::int64_t received = 0;
    std::int64_t highest = 0;   // highest seq seen
    std::int64_t reordered = 0; // arrived after a higher seq
    std::int64_t bytes = 0;     // datagram bytes received
    std::int64_t jitter_ns = 0; // RFC 3550 interarrival jitter
    std::int64_t first_rx_ns = 0, last_rx_ns = 0;
    std::string name;
    // What the responder itself dropped during the test because it was too slow, not the
    // network: its kernel, for a full receive queue (SO_RXQ_OVFL); and its session, from a
    // backlog read too late (skipped by fair share, or aged out of the replay window). Absent
    // in reports of older responders, and in answers to end markers that do not ask for them
    // (protocol.md section 10: optional trailing fields).
    std::optional<std::int64_t> kernel_drops;
    std::optional<std::int64_t> backlog_drops;
};

MCAST_API Tuple encode_speed_data(const SpeedData& d);
MCAST_API std::optional<SpeedData> decode_speed_data(const Tuple& t);
MCAST_API Tuple encode_speed_end(const SpeedEnd& e);
MCAST_API std::optional<SpeedEnd> decode_speed_end(const Tuple& t);
MCAST_API Tuple encode_speed_report(const SpeedReport& r);
MCAST_API std::optional<SpeedReport> decode_speed_report(const Tuple& t);

// A responder's counters for one test.
class MCAST_API SpeedCounter {
public:
    explicit SpeedCounter(const Nonce& test) { report_.test = test; }
    // A data datagram: its seq, the sender's timestamp, our kernel receive time, its size.
    void add(std::int64_t seq, std::int64_t sent_ns, std::int64_t rx_ns, std::size_t bytes);
    const SpeedReport& report() const { return report_; }

private:
    SpeedReport report_;
    std::optional<std::int64_t> last_transit_;
    double jitter_ = 0;
};

} // namespace mcast
