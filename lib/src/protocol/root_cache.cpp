// Verified and failed batch roots, bounded; see root_cache.hpp.
#include "protocol/root_cache.hpp"

#include "protocol/sha256.hpp"

#include <openssl/rand.h>

#include <cstring>
#include <initializer_list>
#include <stdexcept>

namespace mcast {

RootCache::RootCache(RootCacheConfig cfg) : cfg_(cfg) {
    if (cfg_.max_verified == 0 || cfg_.per_sender == 0)
        throw std::invalid_argument("root cache sizes must be at least 1");
    if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1)
        throw std::runtime_error("cannot get random bytes");
}

std::size_t RootCache::IdHash::operator()(const Id& id) const noexcept {
    std::size_t h = 0;
    std::memcpy(&h, id.data(), sizeof h);
    return h;
}

namespace {

// SHA-256(secret || 0x00 or 0x01 || parts): ids nobody outside this process can predict.
std::array<std::uint8_t, 32> keyed_digest(const std::array<std::uint8_t, 32>& secret,
                                          std::uint8_t what,
                                          std::initializer_list<ByteView> parts) {
    return detail::sha256({ByteView(secret), ByteView(&what, 1)}, parts);
}

} // namespace

RootCache::Id RootCache::id_of(const PublicKeyBytes& key, const std::uint8_t* root,
                               const std::uint8_t* signature) const {
    return keyed_digest(secret_, 0,
                        {ByteView(key), ByteView(root, 32), ByteView(signature, signature_size)});
}

RootCache::Id RootCache::sender_of(const PublicKeyBytes& key) const {
    return keyed_digest(secret_, 1, {ByteView(key)});
}

RootCache::Verdict RootCache::lookup(const PublicKeyBytes& key, const std::uint8_t* root,
                                     const std::uint8_t* signature) const {
    auto id = id_of(key, root, signature);
    if (verified_.count(id)) return Verdict::verified;
    if (failed_.count(id)) return Verdict::failed;
    return Verdict::unknown;
}

std::size_t RootCache::sender_count(const PublicKeyBytes& key) const {
    auto it = per_sender_.find(sender_of(key));
    return it == per_sender_.end() ? 0 : it->second.size();
}

void RootCache::erase(std::list<Entry>::iterator it) {
    auto s = per_sender_.find(it->sender);
    if (s != per_sender_.end()) {
        std::erase(s->second, it);
        if (s->second.empty()) per_sender_.erase(s);
    }
    verified_.erase(it->id);
    order_.erase(it);
}

void RootCache::verified(const PublicKeyBytes& key, const std::uint8_t* root,
                         const std::uint8_t* signature) {
    auto id = id_of(key, root, signature);
    if (verified_.count(id)) return;
    auto sender = sender_of(key);
    auto mine = per_sender_.find(sender);
    if (mine != per_sender_.end() && mine->second.size() >= cfg_.per_sender)
        erase(mine->second.front()); // this sender's oldest root
    else if (order_.size() >= cfg_.max_verified)
        erase(order_.begin()); // the oldest root of all
    order_.push_back({id, sender});
    auto it = std::prev(order_.end());
    verified_.emplace(id, it);
    per_sender_[sender].push_back(it);
}

void RootCache::failed(const PublicKeyBytes& key, const std::uint8_t* root,
                       const std::uint8_t* signature) {
    if (cfg_.max_failed == 0) return;
    auto id = id_of(key, root, signature);
    if (!failed_.insert(id).second) return;
    failed_order_.push_back(id);
    if (failed_order_.size() > cfg_.max_failed) {
        failed_.erase(failed_order_.front());
        failed_order_.pop_front();
    }
}

} // namespace mcast
