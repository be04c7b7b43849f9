// The Merkle tree of batch signing (docs/protocol.md section 3.4): SHA-256 over up to
// max_batch_size datagrams, leaves and inner nodes hashed under different prefixes (as RFC 6962)
// so that a leaf can never pass for a node; authentication paths built by the sender and folded
// back to the root by receivers. Sans-IO, no state beyond one tree.
#pragma once

#include <mcast/bytes.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace mcast {

using MerkleHash = std::array<std::uint8_t, 32>;

// ceil(log2 n) for n >= 1: the depth of the tree of n leaves, and the number of hashes in each
// of its paths (0 for a batch of one).
unsigned merkle_depth(std::size_t n);

// SHA-256(0x00 || bytes): a leaf.
MerkleHash merkle_leaf(ByteView bytes);
// SHA-256(0x01 || left || right): an inner node.
MerkleHash merkle_node(const MerkleHash& left, const MerkleHash& right);

// The root that `leaf` at `index` reaches through `path` (merkle_depth(n) hashes of 32 bytes,
// siblings from the leaf up): bit k of `index` says whether the leaf's ancestor at height k is
// a right child. `path.size()` must be a multiple of 32.
MerkleHash merkle_root_from_path(const MerkleHash& leaf, std::size_t index, ByteView path);

// A whole tree, as the sender builds it: 2^depth leaf positions, those past the last leaf
// holding 32 zero bytes (no leaf or node hashes to that: it would be a SHA-256 preimage of 0).
class MerkleTree {
public:
    explicit MerkleTree(std::vector<MerkleHash> leaves); // 1 or more leaves
    const MerkleHash& root() const { return levels_.back().front(); }
    unsigned depth() const { return static_cast<unsigned>(levels_.size() - 1); }
    // The path of leaf `index`, depth() hashes concatenated, siblings from the leaf up.
    ByteBuffer path(std::size_t index) const;

private:
    std::vector<std::vector<MerkleHash>> levels_; // levels_[0]: leaves (padded), back(): root
};

} // namespace mcast
