// The control socket's messages as JSON (docs/weather.md, "Control socket"): the conversions of
// activities, declarations, the weather and the advice both ways, shared by the server in the
// resident node and the client, so that the two ends cannot drift apart.
#pragma once

#include <mcast/control.hpp>
#include <mcast/weather.hpp>

#include <boost/json.hpp>

#include <optional>
#include <string>

namespace mcast::control {

// The longest request or response line either end accepts, newline included.
constexpr std::size_t max_request_line = 4096;
constexpr std::size_t max_response_line = 1 << 20;

boost::json::object to_json(const Activity& a);
// Reads {"class", "priority"?, "rate_bps"?, "label"?}; the priority defaults to the class's.
// nullopt with `error` set for anything else.
std::optional<Activity> activity_from_json(const boost::json::object& o, std::string& error);

boost::json::object to_json(const Declaration& d);
Declaration declaration_from_json(const boost::json::object& o);

boost::json::object to_json(const Weather& w);
Weather weather_from_json(const boost::json::object& o);

boost::json::object to_json(const Advice& a);
Advice advice_from_json(const boost::json::object& o);

boost::json::object counts_json(const Weather::Counts& c);
Weather::Counts counts_of(const boost::json::object& o);

// {"ok":false,"error":text}
boost::json::object error_reply(std::string_view text);

} // namespace mcast::control
