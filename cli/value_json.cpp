// Conversions between tuple values and JSON, exact in both directions for every value.
#include "value_json.hpp"

#include <chrono>
#include <mcast/base64.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace mcast::cli {

namespace json = boost::json;

json::value to_json(const Value& v) {
    return std::visit(
        [](const auto& x) -> json::value {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>)
                return nullptr;
            else if constexpr (std::is_same_v<T, bool>)
                return x;
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return x;
            else if constexpr (std::is_same_v<T, double>) {
                if (std::isfinite(x)) return x;
                return json::object{{"float", std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf")}};
            } else if constexpr (std::is_same_v<T, std::string>)
                return json::string(x);
            else if constexpr (std::is_same_v<T, Bytes>)
                return json::object{{"bytes", base64_encode(x.data)}};
            else
                return to_json(x);
        },
        v.v);
}

json::array to_json(const Tuple& t) {
    json::array a;
    a.reserve(t.size());
    for (const auto& v : t)
        a.push_back(to_json(v));
    return a;
}

Value value_from_json(const json::value& j) {
    switch (j.kind()) {
    case json::kind::null:
        return nullptr;
    case json::kind::bool_:
        return j.get_bool();
    case json::kind::int64:
        return j.get_int64();
    case json::kind::uint64:
        throw std::invalid_argument(
            fmt::format("integer {} is out of the int64 range", j.get_uint64()));
    case json::kind::double_:
        return j.get_double();
    case json::kind::string:
        return std::string(j.get_string());
    case json::kind::array: {
        List l;
        for (const auto& e : j.get_array())
            l.push_back(value_from_json(e));
        return l;
    }
    case json::kind::object: {
        const auto& o = j.get_object();
        if (o.size() == 1 && o.contains("bytes") && o.at("bytes").is_string()) {
            auto b = base64_decode(o.at("bytes").get_string());
            if (!b) throw std::invalid_argument("\"bytes\" is not valid base64");
            return Bytes{std::move(*b)};
        }
        if (o.size() == 1 && o.contains("float") && o.at("float").is_string()) {
            std::string_view f = o.at("float").get_string();
            if (f == "nan") return std::nan("");
            if (f == "inf") return HUGE_VAL;
            if (f == "-inf") return -HUGE_VAL;
            throw std::invalid_argument("\"float\" must be \"nan\", \"inf\" or \"-inf\"");
        }
        throw std::invalid_argument(
            "a JSON object must be {\"bytes\": BASE64} or {\"float\": \"nan\"|\"inf\"|\"-inf\"}");
    }
    }
    throw std::invalid_argument("unsupported JSON value");
}

namespace {

// Boost.JSON reads an integer beyond uint64 as a double (99999999999999999999 as 1e+20) and a
// float beyond a double as infinity or zero: refuse them, since what would be sent is not what
// was typed. Called on text that parsed as JSON, so numbers are the tokens outside strings that
// start with '-' or a digit. Returns each float literal read exactly (strtod), in text order,
// and NaN for each integer: Boost.JSON 1.81 reads long float literals only approximately (the
// largest double written in plain decimal comes back as infinity).
std::vector<double> check_number_literals(std::string_view text) {
    std::vector<double> numbers;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
            continue;
        }
        if (c != '-' && (c < '0' || c > '9')) continue;
        const std::size_t end = text.find_first_not_of("+-.eE0123456789", i);
        const std::string number(text.substr(i, end == std::string_view::npos ? end : end - i));
        i += number.size() - 1;
        if (number.find_first_of(".eE") == std::string::npos) {
            std::int64_t n = 0;
            const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
            if (ec != std::errc() || ptr != number.data() + number.size())
                throw std::invalid_argument(fmt::format(
                    "integer {} is beyond the int64 range (-9223372036854775808 to "
                    "9223372036854775807); write it as a string, or as a float with a fraction",
                    number));
            numbers.push_back(std::nan(""));
            continue;
        }
        const double d = std::strtod(number.c_str(), nullptr);
        if (std::isinf(d))
            throw std::invalid_argument(
                fmt::format("number {} is beyond the float64 range (about 1.8e308)", number));
        const std::string mantissa = number.substr(0, number.find_first_of("eE"));
        if (d == 0 && mantissa.find_first_of("123456789") != std::string::npos)
            throw std::invalid_argument(
                fmt::format("number {} is too small for a float64 (it would be 0)", number));
        numbers.push_back(d);
    }
    return numbers;
}

// Puts the exact floats of check_number_literals() into j, visiting numbers in text order.
void set_exact_floats(json::value& j, const std::vector<double>& exact, std::size_t& next) {
    switch (j.kind()) {
    case json::kind::double_:
        if (next < exact.size()) j = exact[next];
        ++next;
        return;
    case json::kind::int64:
    case json::kind::uint64:
        ++next;
        return;
    case json::kind::array:
        for (auto& e : j.get_array())
            set_exact_floats(e, exact, next);
        return;
    case json::kind::object:
        for (auto& [key, e] : j.get_object())
            set_exact_floats(e, exact, next);
        return;
    default:
        return;
    }
}

} // namespace

Tuple tuple_from_json_text(std::string_view text) {
    boost::system::error_code ec;
    auto j = json::parse(text, ec);
    if (ec) throw std::invalid_argument(fmt::format("not JSON: {}", ec.message()));
    const std::vector<double> exact = check_number_literals(text);
    std::size_t next = 0;
    set_exact_floats(j, exact, next);
    if (j.is_array()) {
        Tuple t;
        for (const auto& e : j.get_array())
            t.push_back(value_from_json(e));
        return t;
    }
    return Tuple{value_from_json(j)};
}

std::string hex64(std::uint64_t v) {
    return fmt::format("{:016x}", v);
}

std::string rfc3339_ns(std::int64_t ns) {
    // Floor division without overflow: any int64 (a hostile sender's included) is fine.
    std::int64_t secs64 = ns / 1'000'000'000, frac = ns % 1'000'000'000;
    if (frac < 0) {
        frac += 1'000'000'000;
        --secs64;
    }
    auto secs = static_cast<std::time_t>(secs64);
    std::tm tm{};
    if (!::gmtime_r(&secs, &tm)) return std::to_string(ns) + "ns";
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::string rfc3339_now() {
    return rfc3339_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
}

} // namespace mcast::cli
