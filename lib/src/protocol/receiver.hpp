// The sans-IO ingress pipeline: bytes in, a verified message or a counted drop reason out. Owns
// the replay state and the counters. The Asio session feeds it; tests feed it directly.
#pragma once

#include "protocol/failure_limiter.hpp"
#include "protocol/fair_share.hpp"
#include "protocol/replay_window.hpp"
#include "protocol/root_cache.hpp"
#include <mcast/drop_reason.hpp>
#include <mcast/wire.hpp>

#include <functional>
#include <optional>

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
    IngestResult drop(DropReason r);
    // Steps 9-10 of docs/protocol.md section 6 for a batch-signed datagram (section 3.4): its
    // path, then its root (the cache, or the ration and one verification).
    std::optional<DropReason> check_batch(const ParsedHeader& p, std::uint64_t source,
                                          std::chrono::nanoseconds lag, MonoTime now);
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
};

} // namespace mcast
