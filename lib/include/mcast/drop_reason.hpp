// Why a received datagram was not delivered. Every datagram that is not delivered is counted
// under exactly one reason; docs/protocol.md section 6 defines the order in which they apply.
#pragma once

#include <mcast/export.hpp>

#include <array>
#include <cstdint>
#include <string_view>

namespace mcast {

enum class DropReason : std::uint8_t {
    too_short,
    too_long,
    bad_magic,
    bad_version,
    bad_type,
    bad_flags,
    bad_length,
    bad_header,
    noncanonical_key, // sender key: y >= p
    small_order_key,  // sender key: a point of small order
    noncanonical_r,   // signature R: y >= p
    small_order_r,    // signature R: a point of small order
    noncanonical_s,   // signature S >= L
    own,
    duplicate,
    replay,
    bad_utf8,
    truncated,
    too_deep,
    unknown_type,
    trailing,
    bad_signature,
    unhandled,
    untrusted,    // signed by a key the receiver's policy does not accept (--accept trusted)
    rate_limited, // from a (source, key) whose recent signatures failed too often
    // batch-signed datagrams (docs/protocol.md section 3.4)
    bad_batch,   // batch size 0 or above 32, or a path not of the size's length
    bad_index,   // index not below the batch size
    bad_path,    // the leaf and path do not lead to the root the datagram carries
    forged_root, // the root's signature does not verify
    count_       // not a reason: the number of reasons
};

inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(DropReason::count_);

// The name used in docs, JSON output and test vectors ("bad_signature").
MCAST_API std::string_view to_string(DropReason r);

// Counters for every reason plus the delivered total.
struct DropCounters {
    std::uint64_t received = 0;  // datagrams seen, delivered or not
    std::uint64_t delivered = 0; // accepted and handed on
    // Ed25519 verifications done: one per per-datagram signed datagram that got that far, one
    // per batch root (docs/protocol.md section 3.4), whatever their outcome.
    std::uint64_t verifications = 0;
    std::array<std::uint64_t, drop_reason_count> dropped{};

    std::uint64_t& operator[](DropReason r) { return dropped[static_cast<std::size_t>(r)]; }
    std::uint64_t operator[](DropReason r) const { return dropped[static_cast<std::size_t>(r)]; }
    std::uint64_t total_dropped() const {
        std::uint64_t n = 0;
        for (auto d : dropped)
            n += d;
        return n;
    }
};

} // namespace mcast
