// `mcast ping` output: a line or a "reply" record per reply, a summary (human block or "summary"
// record) per responder, and the "result" record; the verdicts come typed from the library
// (ping_verdict.hpp). Field names are in docs/json.md.
#pragma once

#include <mcast/ping.hpp>
#include <mcast/ping_verdict.hpp>
#include <mcast/pinger.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace mcast::cli {

std::string path_name(const PingPath& p); // "IPv4 multicast"

std::string human_reply(const PingReplyEvent& r);
boost::json::object json_reply(const PingReplyEvent& r);

// A responder's verdict with what the printers add: its name, whether it is a friend, and
// whether it runs on this host.
struct ResponderSummary {
    ResponderVerdict verdict;
    std::string name; // "" when unknown
    bool trusted = false;
    bool local = false;
};

// Why a responder failed, in words, every failing path: "IPv4 multicast loss 20.0% > 5%",
// "IPv4 multicast silent (100% loss); IPv6 unicast loss 40.0% > 5%", "no reply".
std::string why_text(const ResponderVerdict& v, const PingBounds& bounds);
// "IPv4 multicast probes refused on eth0: Operation not permitted"
std::string local_failure_text(const LocalSendFailure& f);
std::vector<std::string> human_summary(const ResponderSummary& s, const PingBounds& bounds);
boost::json::object json_summary(const ResponderSummary& s, const PingBounds& bounds);

// Why the run failed, in words ("" when it did not): "3 responder(s) answered, 4 expected".
std::string why_text(const PingRunVerdict& run);
// The closing "result" record, so that a script sees why the run failed (and that it ran).
boost::json::object json_result(const PingRunVerdict& run);
// One item of a result's local_failures (ping's probes, or a speed test's stream).
boost::json::object json_local_failure(const LocalSendFailure& f);
// The closing line of the text output: "3 responders, 2 ok".
std::string closing_line(const PingRunVerdict& run);

} // namespace mcast::cli
