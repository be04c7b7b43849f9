// The roots of batches a receiver has checked (docs/protocol.md section 3.4 and 6): a root whose
// signature verified lets every further datagram of its batch through with hashes alone, and a
// root whose signature failed is dropped without a second verification, so a flood that claims
// one forged root costs one verification. Entries are (sender key, root, signature): a datagram
// that carries a verified root with any other signature bytes is not taken as verified.
//
// Bounded: at most `max_verified` verified roots in all and `per_sender` per sender key (a
// sender's oldest root goes first when it has that many, else the oldest root of all), and
// `max_failed` failed ones (oldest first out). Evicting a root costs at most one more
// verification when more datagrams of its batch arrive. Entries are found by SHA-256 under a
// per-process secret, so nobody can choose entries that collide in its tables. Sans-IO.
#pragma once

#include <mcast/identity.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <list>
#include <unordered_map>
#include <unordered_set>

namespace mcast {

struct RootCacheConfig {
    std::size_t max_verified = 4096;
    std::size_t per_sender = 32;
    std::size_t max_failed = 1024;
};

class RootCache {
public:
    enum class Verdict { unknown, verified, failed };

    explicit RootCache(RootCacheConfig cfg = {});

    // `root` is 32 bytes, `signature` 64.
    Verdict lookup(const PublicKeyBytes& key, const std::uint8_t* root,
                   const std::uint8_t* signature) const;
    // Its signature verified / failed.
    void verified(const PublicKeyBytes& key, const std::uint8_t* root,
                  const std::uint8_t* signature);
    void failed(const PublicKeyBytes& key, const std::uint8_t* root, const std::uint8_t* signature);

    std::size_t verified_count() const { return order_.size(); }
    std::size_t failed_count() const { return failed_order_.size(); }
    std::size_t sender_count(const PublicKeyBytes& key) const;
    const RootCacheConfig& config() const { return cfg_; }

private:
    using Id = std::array<std::uint8_t, 32>;
    struct IdHash {
        std::size_t operator()(const Id& id) const noexcept;
    };
    struct Entry {
        Id id;
        Id sender; // sender_of(key)
    };
    Id id_of(const PublicKeyBytes& key, const std::uint8_t* root,
             const std::uint8_t* signature) const;
    Id sender_of(const PublicKeyBytes& key) const;
    void erase(std::list<Entry>::iterator it);

    RootCacheConfig cfg_;
    std::array<std::uint8_t, 32> secret_{};
    std::list<Entry> order_; // verified roots, oldest first
    std::unordered_map<Id, std::list<Entry>::iterator, IdHash> verified_;
    std::unordered_map<Id, std::deque<std::list<Entry>::iterator>, IdHash>
        per_sender_; // each sender's roots, oldest first
    std::deque<Id> failed_order_;
    std::unordered_set<Id, IdHash> failed_;
};

} // namespace mcast
