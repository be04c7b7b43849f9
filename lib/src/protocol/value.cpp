// Exact equality for tuple values (floats by bit pattern), used by tests and dedupe-free callers.
#include <mcast/value.hpp>

#include <bit>

namespace mcast {

bool operator==(const Value& a, const Value& b) {
    if (a.v.index() != b.v.index()) return false;
    if (a.is<double>())
        return std::bit_cast<std::uint64_t>(a.as<double>()) ==
               std::bit_cast<std::uint64_t>(b.as<double>());
    return a.v == b.v;
}

} // namespace mcast
