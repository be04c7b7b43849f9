// Standard base64 (RFC 4648, with padding), used where bytes meet text: JSON output and input.
#pragma once

#include <mcast/bytes.hpp>
#include <mcast/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mcast {

MCAST_API std::string base64_encode(ByteView bytes);
// nullopt for anything that is not canonical padded base64.
MCAST_API std::optional<ByteBuffer> base64_decode(std::string_view text);

} // namespace mcast
