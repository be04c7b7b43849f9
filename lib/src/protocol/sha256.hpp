// SHA-256 over several parts, for every hash on the per-datagram path (Merkle leaves and nodes,
// root-cache ids, node ids) and the pairing digests. Why one place: OpenSSL 3 looks the
// algorithm up again on every init with EVP_sha256() or the one-shot SHA256() (locks and name
// compares that cost more than hashing a 65-byte Merkle node); here the digest is fetched once
// per process and each thread keeps one context.
#pragma once

#include <mcast/bytes.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>

namespace mcast::detail {

using Sha256Digest = std::array<std::uint8_t, 32>;

// SHA-256 of the parts of `head` then of `tail`, concatenated. Throws std::runtime_error if
// OpenSSL fails (it does not for SHA-256 short of running out of memory).
Sha256Digest sha256(std::initializer_list<ByteView> head,
                    std::initializer_list<ByteView> tail = {});

} // namespace mcast::detail
