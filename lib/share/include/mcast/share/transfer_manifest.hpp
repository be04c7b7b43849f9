// The least a transfer needs to know of a file's content hash: its size, its block size and the
// SHA-256 of each block, under the root that names the file. The catalogue's block tree (issue
// #16, branch `share`) builds and checks these; the transfer layer only reads them, and verifies
// each block it receives against its hash before the block is written anywhere.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mcast::share {

using Sha256 = std::array<std::uint8_t, 32>;

struct TransferManifest {
    std::uint64_t size = 0;
    std::uint32_t block_size = 0; // > 0
    std::vector<Sha256> blocks;   // ceil(size / block_size) hashes; one (of nothing) when size = 0
    std::string root_hex;         // the content hash the file is known by (64 hex digits)

    std::size_t block_count() const { return blocks.size(); }
    std::uint64_t block_offset(std::size_t i) const {
        return static_cast<std::uint64_t>(i) * block_size;
    }
    std::uint64_t block_length(std::size_t i) const {
        auto off = block_offset(i);
        return off >= size ? 0 : std::min<std::uint64_t>(block_size, size - off);
    }
    // True when the sizes and the number of hashes agree (the root is the block tree's business).
    bool consistent() const {
        if (block_size == 0) return false;
        auto n = size == 0 ? 1 : (size + block_size - 1) / block_size;
        return blocks.size() == n;
    }
};

// SHA-256 of a byte range (OpenSSL).
Sha256 sha256(const void* data, std::size_t length);

} // namespace mcast::share
