// The typed tuple that every mcast message carries: null, bool, int64, float64, UTF-8 string,
// bytes and nested lists. Plain data with value semantics; the wire form is in tuple_codec.hpp.
#pragma once

#include <mcast/bytes.hpp>
#include <mcast/export.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mcast {

struct Value;
using List = std::vector<Value>;
using Tuple = std::vector<Value>;

// Arbitrary bytes, kept apart from std::string so that text and binary never mix.
struct Bytes {
    ByteBuffer data;
    friend bool operator==(const Bytes&, const Bytes&) = default;
};

// One element of a tuple. Example: Tuple t{Value{"temp"}, Value{std::int64_t{21}}};
struct MCAST_API Value {
    using Variant =
        std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Bytes, List>;
    Variant v;

    Value() : v(nullptr) {}
    Value(std::nullptr_t) : v(nullptr) {}
    Value(bool b) : v(b) {}
    Value(std::int64_t i) : v(i) {}
    Value(int i) : v(std::int64_t{i}) {}
    Value(double d) : v(d) {}
    Value(std::string s) : v(std::move(s)) {}
    Value(const char* s) : v(std::string(s)) {}
    Value(Bytes b) : v(std::move(b)) {}
    Value(List l) : v(std::move(l)) {}

    template <class T> bool is() const { return std::holds_alternative<T>(v); }
    template <class T> const T& as() const { return std::get<T>(v); }

    // Exact equality: floats compare by bit pattern, so NaN == NaN and 0.0 != -0.0.
    MCAST_API friend bool operator==(const Value& a, const Value& b);
};

} // namespace mcast
