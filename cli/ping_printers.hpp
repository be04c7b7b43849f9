// `mcast ping` output: a line or a "reply" record per reply, and a summary (human block or
// "summary" record) per responder. Field names are in docs/json.md.
#pragma once

#include <mcast/ping.hpp>
#include <mcast/pinger.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace mcast::cli {

std::string path_name(const PingPath& p); // "IPv4 multicast"

std::string human_reply(const PingReplyEvent& r);
boost::json::object json_reply(const PingReplyEvent& r);

struct ResponderSummary {
    std::string id;   // full id, or the --peer prefix for one never heard
    std::string name; // "" when unknown
    std::map<PingPath, PathStats> paths;
    bool ok = true;
    std::string why; // when !ok
    bool trusted = false;
};

std::vector<std::string> human_summary(const ResponderSummary& s);
boost::json::object json_summary(const ResponderSummary& s);

} // namespace mcast::cli
