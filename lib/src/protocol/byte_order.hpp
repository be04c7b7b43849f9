// Big-endian reads and writes for the wire codecs.
#pragma once

#include <mcast/bytes.hpp>

#include <cstdint>

namespace mcast::detail {

template <class T> void put_be(ByteBuffer& out, T v) {
    for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(v) >> shift));
}

template <class T> T get_be(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v = (v << 8) | p[i];
    return static_cast<T>(v);
}

} // namespace mcast::detail
