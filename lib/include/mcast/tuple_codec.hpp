// Wire form of the typed tuple (docs/protocol.md section 5): strict, allocation-bounded decoding.
#pragma once

#include <mcast/bytes.hpp>
#include <mcast/drop_reason.hpp>
#include <mcast/export.hpp>
#include <mcast/value.hpp>

#include <optional>

namespace mcast {

inline constexpr int max_list_depth = 8;

// Appends the encoding of `t` to `out`.
MCAST_API void encode_tuple(const Tuple& t, ByteBuffer& out);

// Size in bytes that encode_tuple would append.
MCAST_API std::size_t encoded_size(const Tuple& t);

struct TupleDecodeResult {
    std::optional<DropReason> error; // set when the payload is rejected
    Tuple values;
};

// Decodes exactly the whole of `payload`; anything left over is an error (trailing).
MCAST_API TupleDecodeResult decode_tuple(ByteView payload);

// True when `s` is well-formed UTF-8 (RFC 3629).
MCAST_API bool is_valid_utf8(std::string_view s);

} // namespace mcast
