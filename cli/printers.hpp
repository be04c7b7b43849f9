// The two faces of every event the CLI prints: a human line and a JSON Lines record. The
// library hands typed events; only this file turns them into text. Field names are documented
// in docs/json.md.
#pragma once

#include "output.hpp"

#include <mcast/session.hpp>

#include <boost/json.hpp>

#include <functional>

#include <string>

namespace mcast::cli {

// "14:03:07.123456": this host's local time of `ns` (ns since the epoch; 0: now), as listen and
// discover --watch begin their lines.
std::string local_time(std::int64_t ns = 0);
// "hello", 42, 2.5, null, true, b64:AAEC, ["a", 1]
std::string human_values(const Tuple& t);
// escape_text in double quotes.
std::string quote_text(std::string_view s);
// "10.77.0.2%eth0" / "fe80::1%eth0"
std::string source_text(const Arrival& a);
// "IPv4 multicast refused on eth0: Operation not permitted (a firewall or route on this host)"
std::string refusal_text(const SendRefusal& r);
// Warns on stderr ("warning: <what>IPv4 multicast refused on …"), with --json also as a
// "warning" record, of each datagram `s` could not send: once per family, interface and errno,
// as Session tells them, so a new errno is said again. `also` sees each refusal too. The warning
// lasts as long as the Subscription.
[[nodiscard]] Subscription warn_send_refusals(Session& s, Output& out, std::string what = {},
                                              std::function<void(const SendRefusal&)> also = {});

// `name`: the sender's announced name, "" when unknown.
std::string human_message(const Message& m, bool color, bool trusted = false,
                          std::string_view name = {});
boost::json::object json_message(const Message& m, bool trusted = false,
                                 std::string_view name = {});

std::string human_drop(const DropEvent& d);
boost::json::object json_drop(const DropEvent& d);

// Counters: received, delivered, dropped by reason (zero reasons left out of the human form).
// `kernel_drops`: datagrams the kernel dropped unread (a full receive queue, SO_RXQ_OVFL); they
// are not in `c` (never received).
std::string human_stats(const DropCounters& c, std::uint64_t kernel_drops);
boost::json::object json_stats(const DropCounters& c, std::uint64_t kernel_drops);

} // namespace mcast::cli
