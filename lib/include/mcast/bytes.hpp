// Byte containers shared by the codec, identity and transport layers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mcast {

using ByteView = std::span<const std::uint8_t>;
using ByteBuffer = std::vector<std::uint8_t>;

} // namespace mcast
