// SHA-256 Merkle trees for batch signing; see merkle.hpp and docs/protocol.md section 3.4.
#include "protocol/merkle.hpp"

#include "protocol/sha256.hpp"

#include <cstring>
#include <stdexcept>

namespace mcast {

namespace {

MerkleHash sha256_prefixed(std::uint8_t prefix, ByteView a, ByteView b = {}) {
    return detail::sha256({ByteView(&prefix, 1), a, b});
}

} // namespace

unsigned merkle_depth(std::size_t n) {
    unsigned d = 0;
    while ((std::size_t{1} << d) < n)
        ++d;
    return d;
}

MerkleHash merkle_leaf(ByteView bytes) {
    return sha256_prefixed(0x00, bytes);
}

MerkleHash merkle_node(const MerkleHash& left, const MerkleHash& right) {
    return sha256_prefixed(0x01, ByteView(left), ByteView(right));
}

MerkleHash merkle_root_from_path(const MerkleHash& leaf, std::size_t index, ByteView path) {
    MerkleHash h = leaf;
    MerkleHash sibling{};
    for (std::size_t k = 0; k * 32 < path.size(); ++k) {
        std::memcpy(sibling.data(), path.data() + 32 * k, 32);
        h = (index >> k) & 1 ? merkle_node(sibling, h) : merkle_node(h, sibling);
    }
    return h;
}

MerkleTree::MerkleTree(std::vector<MerkleHash> leaves) {
    if (leaves.empty()) throw std::invalid_argument("a Merkle tree needs a leaf");
    leaves.resize(std::size_t{1} << merkle_depth(leaves.size()), MerkleHash{});
    levels_.push_back(std::move(leaves));
    while (levels_.back().size() > 1) {
        const auto& below = levels_.back();
        std::vector<MerkleHash> up;
        up.reserve(below.size() / 2);
        for (std::size_t i = 0; i < below.size(); i += 2)
            up.push_back(merkle_node(below[i], below[i + 1]));
        levels_.push_back(std::move(up));
    }
}

ByteBuffer MerkleTree::path(std::size_t index) const {
    ByteBuffer out;
    out.reserve(32 * depth());
    for (std::size_t k = 0; k + 1 < levels_.size(); ++k) {
        const auto& sibling = levels_[k][(index >> k) ^ 1];
        out.insert(out.end(), sibling.begin(), sibling.end());
    }
    return out;
}

} // namespace mcast
