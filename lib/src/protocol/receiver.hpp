// The sans-IO ingress pipeline: bytes in, a verified message or a counted drop reason out. Owns
// the replay state and the counters. The Asio session feeds it; tests feed it directly. A
// wake-up's datagrams may go in together (ingest_batch), their signatures checked ahead on
// several threads and their results committed in arrival order, the same as one by one.
#pragma once

#include "protocol/failure_limiter.hpp"
#include "protocol/fair_share.hpp"
#include "protocol/replay_window.hpp"
#include "protocol/root_cache.hpp"
#include <mcast/drop_reason.hpp>
#include <mcast/wire.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace mcast {

struct Received {
    Header header;
    Tuple values;
    NodeId sender_id;
};

struct IngestResult {
    std::optional<DropReason> dropped; // set when not delivered
    Received message;                  // valid when !dropped
};

// One datagram of a wake-up, for Receiver::ingest_batch: its bytes (which must stay valid until
// ingest_batch returns) and what ingest() takes with it.
struct Arrived {
    ByteView bytes;
    std::uint64_t source = 0;
    std::chrono::nanoseconds lag{};
};

// Runs fn(0) ... fn(n - 1), in any order, on any threads, and returns when all have returned.
using ParallelFor = std::function<void(std::size_t n, const std::function<void(std::size_t)>& fn)>;

class Receiver {
public:
    // `self`/`self_incarnation` identify this process's own datagrams (dropped as `own`).
    Receiver(const PublicKeyBytes& self, std::uint64_t self_incarnation, ReplayConfig cfg = {},
             RootCacheConfig roots = {});

    // `source` identifies the sender's address (any stable hash of it; 0 when unknown): it
    // keys the ration of signature failures (failure_limiter.hpp).
    // `lag` is how long the datagram waited since the kernel received it: under overload, a
    // source beyond its fair share of verifications is skipped (fair_share.hpp).
    IngestResult ingest(ByteView datagram, MonoTime now, std::uint64_t source = 0,
                        std::chrono::nanoseconds lag = {});

    // Ingests a wake-up's datagrams with the results, order and counters of ingest() called on
    // each in turn with the same `now`: each(i, result) gets datagram i's result before
    // datagram i + 1 is ingested (a handler sees the state it would see one by one), and false
    // from it stops there (the rest are not ingested, as a closed socket reads no more).
    // First, in arrival order and without changing any state, it works out which signatures
    // (per-datagram, and each distinct unverified batch root once) and batch paths ingest()
    // would check, never more than the cheap checks, the ration and the fair share would let
    // through; when that is at least `min_signatures` signatures, it checks them ahead through
    // the ParallelFor (set_parallel), and their results (pure functions of the bytes) stand in
    // for the checks when each datagram's turn comes. Otherwise each is checked in its turn.
    // Returns how many signatures the plan found to check (ahead or not).
    std::size_t ingest_batch(std::span<const Arrived> batch, MonoTime now,
                             const std::function<bool(std::size_t, IngestResult&)>& each);
    // How ingest_batch spreads its checks (unset: on the calling thread, in turn).
    void set_parallel(ParallelFor p, std::size_t min_signatures = 2) {
        parallel_ = std::move(p);
        min_ahead_ = min_signatures;
    }
    // Signatures (datagrams' and roots') ingest_batch checked ahead of their turn, and of
    // those the ones no datagram's turn used (its turn found a replay or the ration, or the
    // root was already verified): the cost of checking ahead, which tests bound.
    std::uint64_t checked_ahead() const { return checked_ahead_; }
    std::uint64_t wasted_ahead() const { return wasted_ahead_; }

    // A policy on senders, applied before the signature is checked (so datagrams from keys it
    // refuses cost no verification): false drops the datagram as `untrusted`.
    using AcceptPolicy = std::function<bool(const NodeId&)>;
    void set_accept(AcceptPolicy p) { accept_ = std::move(p); }
    // Senders whose replay state is kept longest when the table is full (friends).
    void set_protected(AcceptPolicy p) {
        replay_.set_protect(
            [p = std::move(p)](const PublicKeyBytes& k) { return p(NodeId::of(k)); });
    }

    const DropCounters& counters() const { return counters_; }
    // Signature verifications done (per-datagram and batch roots alike): what batch signing
    // saves shows here.
    std::uint64_t verifications() const { return counters_.verifications; }
    const RootCache& roots() const { return roots_; }
    // Counts a datagram dropped after ingest (for example a type nothing handles).
    void count_drop(DropReason r);

private:
    struct Pending;   // a datagram on its way through ingest or ingest_batch
    struct RootAhead; // a distinct batch root of a wake-up, checked ahead
    IngestResult drop(DropReason r);
    // Steps 1-11 of docs/protocol.md section 6 for one datagram, in order, with whatever
    // ingest_batch worked out ahead for it.
    IngestResult commit(Pending& p, MonoTime now);
    // ingest_batch's first pass: which checks to do ahead; returns how many signatures.
    std::size_t plan(std::vector<Pending>& pending, std::vector<RootAhead>& roots,
                     std::span<const Arrived> batch, MonoTime now);
    // Steps 9-10 of docs/protocol.md section 6 for a batch-signed datagram (section 3.4): its
    // path, then its root (the cache, or the ration and one verification).
    std::optional<DropReason> check_batch(Pending& p, MonoTime now);
    // The expensive step, the same for a datagram's signature and a batch root's: rationed
    // (failure ration, fair share), then one verification, a failure counted against the
    // (source, key). `verify` checks the signature with the sender's verifier.
    enum class Verified { ok, rationed, failed };
    template <typename Verify>
    Verified rationed_verify(const PublicKeyBytes& key, std::uint64_t source,
                             std::chrono::nanoseconds lag, MonoTime now, Verify verify);

    PublicKeyBytes self_;
    std::uint64_t self_incarnation_;
    ReplayWindow replay_;
    FailureLimiter failures_;
    FairShare fair_;
    RootCache roots_;
    DropCounters counters_;
    AcceptPolicy accept_;
    ParallelFor parallel_;
    std::size_t min_ahead_ = 2;
    std::uint64_t checked_ahead_ = 0, wasted_ahead_ = 0;
};

} // namespace mcast
