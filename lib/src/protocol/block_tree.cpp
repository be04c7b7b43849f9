// Block sizes, block hashes and the root over them (block_tree.hpp, docs/protocol.md 13.1).
#include <mcast/block_tree.hpp>
#include <mcast/identity.hpp>

#include "protocol/sha256.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace mcast {

namespace {

constexpr char root_prefix[] = "mcast-tree-v1"; // followed by one zero byte

Digest node_hash(const Digest& left, const Digest& right) {
    const std::uint8_t inner = 0x01; // an inner node; a leaf is a block's own SHA-256
    return detail::sha256({ByteView(&inner, 1), ByteView(left), ByteView(right)});
}

// RFC 6962's split: the left subtree holds the largest power of two below n leaves.
Digest merkle(const Digest* leaves, std::size_t n) {
    if (n == 1) return leaves[0];
    std::size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return node_hash(merkle(leaves, k), merkle(leaves + k, n - k));
}

void put_be(ByteBuffer& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

} // namespace

std::uint32_t block_size_for(std::uint64_t file_size) {
    for (std::uint64_t b = min_block_size; b <= max_block_size; b *= 2)
        if (file_size < desired_blocks_per_file * b) return static_cast<std::uint32_t>(b);
    return max_block_size;
}

std::uint64_t block_count(std::uint64_t file_size, std::uint32_t block_size) {
    return block_size == 0 ? 0 : (file_size + block_size - 1) / block_size;
}

Digest tree_root(std::uint64_t file_size, std::uint32_t block_size,
                 const std::vector<Digest>& blocks) {
    Digest top{};
    if (blocks.empty())
        top = detail::sha256({});
    else
        top = merkle(blocks.data(), blocks.size());
    ByteBuffer m(root_prefix, root_prefix + sizeof root_prefix); // with its zero byte
    put_be(m, file_size, 8);
    put_be(m, block_size, 4);
    m.insert(m.end(), top.begin(), top.end());
    return sha256(m);
}

bool Manifest::consistent() const {
    bool power_of_two = block_size && (block_size & (block_size - 1)) == 0;
    return power_of_two && block_size >= min_block_size && block_size <= max_block_size &&
           blocks.size() == block_count(size, block_size) &&
           root == tree_root(size, block_size, blocks);
}

std::uint64_t Manifest::block_offset(std::size_t index) const {
    return std::uint64_t{block_size} * index;
}

std::uint32_t Manifest::block_length(std::size_t index) const {
    auto off = block_offset(index);
    if (off >= size) return 0;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(block_size, size - off));
}

bool Manifest::verify_block(std::size_t index, ByteView data) const {
    return index < blocks.size() && data.size() == block_length(index) &&
           sha256(data) == blocks[index];
}

void BlockHasher::CtxFree::operator()(evp_md_ctx_st* c) const {
    EVP_MD_CTX_free(c);
}

BlockHasher::BlockHasher(std::uint64_t file_size)
    : ctx_(EVP_MD_CTX_new()), size_(file_size), block_size_(block_size_for(file_size)) {
    blocks_.reserve(static_cast<std::size_t>(block_count(size_, block_size_)));
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
}

BlockHasher::~BlockHasher() = default;
BlockHasher::BlockHasher(BlockHasher&&) noexcept = default;
BlockHasher& BlockHasher::operator=(BlockHasher&&) noexcept = default;

void BlockHasher::update(ByteView data) {
    while (!data.empty()) {
        if (fed_ >= size_) {
            overflow_ = true;
            return;
        }
        auto room = std::min<std::uint64_t>(block_size_ - in_block_, size_ - fed_);
        auto take = static_cast<std::size_t>(std::min<std::uint64_t>(room, data.size()));
        EVP_DigestUpdate(ctx_.get(), data.data(), take);
        data = data.subspan(take);
        fed_ += take;
        in_block_ += take;
        if (in_block_ == block_size_ || fed_ == size_) {
            Digest d;
            EVP_DigestFinal_ex(ctx_.get(), d.data(), nullptr);
            blocks_.push_back(d);
            in_block_ = 0;
            EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
        }
    }
}

std::optional<Manifest> BlockHasher::finish() {
    if (overflow_ || fed_ != size_) return std::nullopt;
    Manifest m;
    m.size = size_;
    m.block_size = block_size_;
    m.blocks = std::move(blocks_);
    m.root = tree_root(m.size, m.block_size, m.blocks);
    return m;
}

Digest sha256(ByteView data) {
    return detail::sha256({data});
}

std::string digest_hex(const Digest& d) {
    return to_hex(d);
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
    auto b = from_hex(hex);
    if (!b || b->size() != 32) return std::nullopt;
    Digest d;
    std::copy(b->begin(), b->end(), d.begin());
    return d;
}

} // namespace mcast
