// Replay and duplicate detection per sender key (docs/protocol.md section 6.1). Sans-IO: time is
// passed in. Bounded: at most `max_keys` senders (least recently seen evicted), 4 incarnations
// each.
#pragma once

#include <mcast/identity.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/replay_config.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace mcast {

enum class ReplayVerdict { fresh, duplicate, replay };

class ReplayWindow {
public:
    static constexpr std::size_t window_size = 1024;
    static constexpr std::size_t max_incarnations = 4;

    explicit ReplayWindow(ReplayConfig cfg = {});
    ~ReplayWindow();

    // Classifies a datagram without changing any state.
    ReplayVerdict check(const PublicKeyBytes& key, std::uint64_t incarnation, std::uint64_t seq,
                        std::int64_t timestamp_ns, MonoTime now) const;
    // Records an accepted (verified) datagram. Must follow a `fresh` check.
    void accept(const PublicKeyBytes& key, std::uint64_t incarnation, std::uint64_t seq,
                std::int64_t timestamp_ns, MonoTime now);

    // The cached signature verifier for a key (created on first use; lives as long as the key's
    // entry). Lets the receiver avoid re-parsing a public key per datagram.
    const Verifier& verifier(const PublicKeyBytes& key);

    std::size_t key_count() const;
    // Whether a datagram from this key has been accepted (and so verified) and is remembered.
    bool knows(const PublicKeyBytes& key) const;
    // Keys to keep when the table is full (friends): others are evicted first.
    void set_protect(std::function<bool(const PublicKeyBytes&)> p);

private:
    struct State;
    std::unique_ptr<State> s_;
};

} // namespace mcast
