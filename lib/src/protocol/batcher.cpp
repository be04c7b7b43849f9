// Batch sealing and the batch state machine; see batcher.hpp and docs/protocol.md section 3.4.
#include "protocol/batcher.hpp"

#include "protocol/merkle.hpp"

#include <stdexcept>

namespace mcast {

namespace {

constexpr std::size_t full_trailer =
    batch_fields_size + 32 * std::size_t{5} /* merkle_depth(32) */ + signature_size;

void seal_single(ByteBuffer& body, const Identity& id) {
    body[7] = static_cast<std::uint8_t>(body[7] & ~batch_flag); // flags' low byte: bit 0
    ByteBuffer m(signature_domain.begin(), signature_domain.end());
    m.insert(m.end(), body.begin(), body.end());
    auto sig = id.sign(ByteView(m));
    body.insert(body.end(), sig.begin(), sig.end());
}

} // namespace

bool fits_in_batch(std::size_t body_size) {
    return body_size + full_trailer <= max_datagram_size;
}

std::vector<ByteBuffer> seal_batch(std::vector<ByteBuffer> bodies, const Identity& id) {
    if (bodies.empty()) return bodies;
    if (bodies.size() > max_batch_size) throw std::invalid_argument("batch larger than 32");
    if (bodies.size() == 1) {
        seal_single(bodies.front(), id);
        return bodies;
    }
    const auto n = static_cast<std::uint8_t>(bodies.size());
    std::vector<MerkleHash> leaves;
    leaves.reserve(n);
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        auto& b = bodies[i];
        if (b.size() < header_fixed_size) throw std::invalid_argument("not a datagram body");
        b[7] = static_cast<std::uint8_t>(b[7] | batch_flag);
        b.push_back(n);
        b.push_back(static_cast<std::uint8_t>(i));
        leaves.push_back(merkle_leaf(ByteView(b)));
    }
    MerkleTree tree(std::move(leaves));
    const auto& root = tree.root();
    auto sig = id.sign(ByteView(batch_root_message(n, root.data())));
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        auto& b = bodies[i];
        auto path = tree.path(i);
        b.insert(b.end(), root.begin(), root.end());
        b.insert(b.end(), path.begin(), path.end());
        b.insert(b.end(), sig.begin(), sig.end());
    }
    return bodies;
}

Batcher::Batcher(const Identity& id, BatchConfig cfg) : id_(id), cfg_(cfg) {
    if (cfg_.max_size == 0 || cfg_.max_size > max_batch_size)
        throw std::invalid_argument("batch size must be 1-32");
    open_.reserve(cfg_.max_size);
}

std::vector<ByteBuffer> Batcher::add(ByteBuffer body, MonoTime now) {
    if (!fits_in_batch(body.size())) {
        auto out = flush();
        std::vector<ByteBuffer> alone;
        alone.push_back(std::move(body));
        for (auto& d : seal_batch(std::move(alone), id_))
            out.push_back(std::move(d));
        return out;
    }
    if (open_.empty()) opened_at_ = now;
    open_.push_back(std::move(body));
    if (open_.size() >= cfg_.max_size || now - opened_at_ >= cfg_.delay) return flush();
    return {};
}

std::optional<MonoTime> Batcher::next_wakeup() const {
    if (open_.empty()) return std::nullopt;
    return opened_at_ + std::chrono::duration_cast<MonoTime::duration>(cfg_.delay);
}

std::vector<ByteBuffer> Batcher::wake(MonoTime now) {
    if (open_.empty() || now - opened_at_ < cfg_.delay) return {};
    return flush();
}

std::vector<ByteBuffer> Batcher::flush() {
    std::vector<ByteBuffer> batch;
    batch.swap(open_);
    open_.reserve(cfg_.max_size);
    return seal_batch(std::move(batch), id_);
}

} // namespace mcast
