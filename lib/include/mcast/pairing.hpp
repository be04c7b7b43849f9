// Pairing: two nodes become each other's friends after their users compare a short
// authentication code (SAS) on both screens, as Bluetooth numeric comparison and Signal safety
// numbers do. The code is derived from both public keys and a nonce from each side; the
// initiator commits to its nonce before it sees the responder's, so a man in the middle cannot
// grind a key or nonce that makes both screens show the same code (docs/protocol.md section 11).
// This file holds the sans-IO part: payloads, commitment, code.
#pragma once

#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/message_type.hpp>
#include <mcast/presence.hpp>
#include <mcast/value.hpp>

#include <array>
#include <optional>
#include <string>

namespace mcast {

using Digest = std::array<std::uint8_t, 32>;

struct PairRequest {
    Nonce session{};
    Digest commitment{};
    std::string name;
    IdPrefix target{};
};
struct PairResponse {
    Nonce session{};
    Nonce nonce{};
    std::string name;
};
struct PairReveal {
    Nonce session{};
    Nonce nonce{};
};
struct PairConfirm {
    Nonce session{};
};

MCAST_API Tuple encode_pair(const PairRequest& m);
MCAST_API Tuple encode_pair(const PairResponse& m);
MCAST_API Tuple encode_pair(const PairReveal& m);
MCAST_API Tuple encode_pair(const PairConfirm& m);
MCAST_API std::optional<PairRequest> decode_pair_request(const Tuple& t);
MCAST_API std::optional<PairResponse> decode_pair_response(const Tuple& t);
MCAST_API std::optional<PairReveal> decode_pair_reveal(const Tuple& t);
MCAST_API std::optional<PairConfirm> decode_pair_confirm(const Tuple& t);

// What a pairing flow reports to its user interface.
struct PairEvent {
    enum Kind { request, show_code, paired, refused } kind;
    NodeId peer;
    std::string peer_name;
    std::string code; // kind == show_code
};

// SHA-256("mcast-pair-commit-v1\0" || nonce).
MCAST_API Digest pair_commitment(const Nonce& nonce);
// The code both screens show: six digits as "123 456", from SHA-256("mcast-pair-sas-v1\0" ||
// initiator key || responder key || initiator nonce || responder nonce).
MCAST_API std::string pair_code(const PublicKeyBytes& initiator, const PublicKeyBytes& responder,
                                const Nonce& initiator_nonce, const Nonce& responder_nonce);

} // namespace mcast
