// Helpers the message payload codecs (presence, ping, speed) share: fixed-size byte fields
// (nonces, id prefixes) in and out of tuple values.
#pragma once

#include <mcast/value.hpp>

#include <array>
#include <cstring>

namespace mcast::detail {

// True (and `out` filled) when `v` is bytes of exactly N.
template <std::size_t N> bool fixed_bytes(const Value& v, std::array<std::uint8_t, N>& out) {
    if (!v.is<Bytes>() || v.as<Bytes>().data.size() != N) return false;
    std::memcpy(out.data(), v.as<Bytes>().data.data(), N);
    return true;
}

template <std::size_t N> Value bytes_value(const std::array<std::uint8_t, N>& a) {
    return Bytes{ByteBuffer(a.begin(), a.end())};
}

} // namespace mcast::detail
