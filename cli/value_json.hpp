// The JSON form of tuple values (docs/json.md): the CLI prints it with --json and reads it for
// `mcast send --json`; the test vectors use it too. Bytes are {"bytes": base64}; floats that
// JSON cannot hold are {"float": "nan" | "inf" | "-inf"}.
#pragma once

#include <mcast/value.hpp>

#include <boost/json.hpp>

#include <stdexcept>

namespace mcast::cli {

boost::json::value to_json(const Value& v);
boost::json::array to_json(const Tuple& t);

// Throws std::invalid_argument with a one-line reason.
Value value_from_json(const boost::json::value& j);
// A JSON array is the whole tuple; any other JSON value is a one-element tuple.
Tuple tuple_from_json_text(std::string_view text);

// 16 hex digits: JSON consumers that read numbers as doubles would mangle a random u64.
std::string hex64(std::uint64_t v);
// RFC 3339 UTC with nanoseconds: 2026-11-26T00:06:57.123456789Z
std::string rfc3339_ns(std::int64_t ns);
// The same for now: the `time` of a record.
std::string rfc3339_now();

} // namespace mcast::cli
