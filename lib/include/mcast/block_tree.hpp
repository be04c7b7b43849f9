// Content hashes of shared files (docs/protocol.md section 13.1): a file is cut into blocks of
// one size chosen from its length (as Syncthing does), each block hashed with SHA-256, and the
// block hashes bound under one root hash. A Manifest is what a fetcher verifies blocks against;
// its root can be recomputed from the block hashes alone, so a manifest received from anyone is
// checked against the root a signed search answer gave. Sans-IO: bytes in, digests out.
#pragma once

#include <mcast/bytes.hpp>
#include <mcast/export.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct evp_md_ctx_st; // OpenSSL's EVP_MD_CTX

namespace mcast {

using Digest = std::array<std::uint8_t, 32>; // a SHA-256

constexpr std::uint32_t min_block_size = 128 * 1024;       // 128 KiB
constexpr std::uint32_t max_block_size = 16 * 1024 * 1024; // 16 MiB
constexpr std::uint64_t desired_blocks_per_file = 2000;

// The block size for a file of `file_size` bytes: the smallest power of two from 128 KiB to
// 16 MiB that cuts the file into fewer than 2000 blocks, else 16 MiB (Syncthing's rule).
MCAST_API std::uint32_t block_size_for(std::uint64_t file_size);

// How many blocks a file of `file_size` has at `block_size` (0 for an empty file).
MCAST_API std::uint64_t block_count(std::uint64_t file_size, std::uint32_t block_size);

// The root over a file's block hashes: the binary Merkle tree of section 13.1 under a prefix that
// binds the size and the block size. Computable from the hashes alone.
MCAST_API Digest tree_root(std::uint64_t file_size, std::uint32_t block_size,
                           const std::vector<Digest>& blocks);

// What a fetcher verifies a file against.
struct MCAST_API Manifest {
    std::uint64_t size = 0;
    std::uint32_t block_size = min_block_size;
    std::vector<Digest> blocks; // SHA-256 of each block, in order
    Digest root{};

    // True when the block size is allowed, the count fits the size and the root is the root of
    // the blocks: a manifest that came from elsewhere is checked with this before it is used.
    bool consistent() const;
    // The offset and length of block `index` (index < blocks.size()).
    std::uint64_t block_offset(std::size_t index) const;
    std::uint32_t block_length(std::size_t index) const;
    // True when `data` is block `index` whole (right length, right hash).
    bool verify_block(std::size_t index, ByteView data) const;

    friend bool operator==(const Manifest&, const Manifest&) = default;
};

// Hashes a file fed in pieces of any length, in order:
//   BlockHasher h(size); while (read) h.update(chunk); Manifest m = h.finish();
// finish() returns nothing when fewer or more bytes than `file_size` were fed (the file changed
// while it was read).
class MCAST_API BlockHasher {
public:
    explicit BlockHasher(std::uint64_t file_size);
    ~BlockHasher();
    BlockHasher(BlockHasher&&) noexcept;
    BlockHasher& operator=(BlockHasher&&) noexcept;
    void update(ByteView data);
    std::optional<Manifest> finish();

private:
    struct CtxFree {
        void operator()(evp_md_ctx_st* c) const;
    };
    std::unique_ptr<evp_md_ctx_st, CtxFree> ctx_;
    std::uint64_t size_;
    std::uint32_t block_size_;
    std::uint64_t fed_ = 0;
    std::uint64_t in_block_ = 0; // bytes of the current block fed so far
    bool overflow_ = false;      // more than file_size was fed
    std::vector<Digest> blocks_;
};

MCAST_API Digest sha256(ByteView data);
MCAST_API std::string digest_hex(const Digest& d);
MCAST_API std::optional<Digest> digest_from_hex(std::string_view hex);

} // namespace mcast
