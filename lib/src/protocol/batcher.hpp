// Batch signing on the sending side (docs/protocol.md section 3.4): datagrams of a bulk stream
// are collected into a batch, hashed into a Merkle tree, and the tree's root is signed once. A
// batch closes when it holds max_size datagrams or when its first datagram has waited `delay`,
// so no datagram is held longer than that. A state machine in the drivers' shape: the caller
// adds datagrams with the time, arms a timer for next_wakeup(), calls wake() when it fires, and
// sends what comes out, in order. Sans-IO: times are passed in.
//
//   Batcher b(identity, {.delay = 1ms});
//   for (auto& d : b.add(encode_body(h, values, key), now)) send(d);
//   if (auto t = b.next_wakeup()) timer.expires_at(*t);
//   on timer: for (auto& d : b.wake(now)) send(d);
#pragma once

#include <mcast/identity.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/wire.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace mcast {

struct BatchConfig {
    std::size_t max_size = max_batch_size; // 1-32 datagrams a batch
    // How long the first datagram of a batch may wait for others; 0: every datagram is sealed
    // alone, at once (per-datagram signatures).
    std::chrono::nanoseconds delay = std::chrono::milliseconds(1);
};

// Seals `bodies` (encode_body's output, in order) as one batch: a batch of one gets an ordinary
// per-datagram signature (section 3.2), a larger one the batch flag, its fields and path, and
// one signature over its root (section 3.4). Each body must leave room for the batch fields,
// the path and the signature (fits_in_batch).
std::vector<ByteBuffer> seal_batch(std::vector<ByteBuffer> bodies, const Identity& id);
// Whether a body batch-signed in a full batch still fits in a datagram (65388 bytes).
bool fits_in_batch(std::size_t body_size);

class Batcher {
public:
    Batcher(const Identity& id, BatchConfig cfg = {}); // id outlives the Batcher
    // Adds a datagram to the open batch (opening one at `now` if none is). Returns the sealed
    // datagrams of the batch when this closed it (full, or its first datagram has waited
    // `delay`), else nothing. A body too large for a batch closes the open batch and is sealed
    // alone after it.
    std::vector<ByteBuffer> add(ByteBuffer body, MonoTime now);
    // When the open batch must close; nullopt when none is open.
    std::optional<MonoTime> next_wakeup() const;
    // Closes the open batch if it is due at `now`.
    std::vector<ByteBuffer> wake(MonoTime now);
    // Closes the open batch now (before a datagram that must not wait, or at the end).
    std::vector<ByteBuffer> flush();
    std::size_t pending() const { return open_.size(); }
    const BatchConfig& config() const { return cfg_; }

private:
    const Identity& id_;
    BatchConfig cfg_;
    std::vector<ByteBuffer> open_;
    MonoTime opened_at_{};
};

} // namespace mcast
