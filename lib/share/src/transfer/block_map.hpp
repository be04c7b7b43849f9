// Which blocks of a file being fetched are verified and on disk, and the sidecar text that keeps
// that across runs. Sans-IO: the fetcher reads and writes the sidecar file; this class only
// encodes and decodes it, strictly, so a sidecar of another file or a damaged one is never
// trusted (the fetch then starts over).
#pragma once

#include <mcast/block_tree.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcast::share {

class BlockMap {
public:
    explicit BlockMap(std::size_t blocks) : bits_(blocks, false) {}

    std::size_t size() const { return bits_.size(); }
    std::size_t count() const { return count_; }
    bool complete() const { return count_ == bits_.size(); }
    bool has(std::size_t i) const { return bits_.at(i); }
    void set(std::size_t i);
    // The bytes of `m` that the verified blocks hold.
    std::uint64_t bytes(const Manifest& m) const;

    // The sidecar:
    //   mcast-fetch 1
    //   root <64 hex>
    //   size <bytes>
    //   block-size <bytes>
    //   verified <hex bitmap, block 0 in the high bit of the first byte>
    std::string encode(const Manifest& m) const;
    // nullopt when `text` is not a sidecar of exactly this manifest (root, size, block size and
    // bitmap length), or has bits past the last block.
    static std::optional<BlockMap> decode(std::string_view text, const Manifest& m);

private:
    std::vector<bool> bits_;
    std::size_t count_ = 0;
};

} // namespace mcast::share
