// The ingress pipeline of docs/protocol.md section 6, cheap checks first, and the sender's
// sequence state. Each datagram is parsed once; nothing is delivered before it is verified.
#include "protocol/receiver.hpp"
#include <mcast/tuple_codec.hpp>

namespace mcast {

Receiver::Receiver(const PublicKeyBytes& self, std::uint64_t self_incarnation, ReplayConfig cfg,
                   RootCacheConfig roots)
    : self_(self), self_incarnation_(self_incarnation), replay_(cfg), roots_(roots) {}

IngestResult Receiver::drop(DropReason r) {
    ++counters_[r];
    IngestResult out;
    out.dropped = r;
    return out;
}

void Receiver::count_drop(DropReason r) {
    --counters_.delivered;
    ++counters_[r];
}

IngestResult Receiver::ingest(ByteView datagram, MonoTime now, std::uint64_t source,
                              std::chrono::nanoseconds lag) {
    ++counters_.received;
    auto hp = parse_header(datagram);
    if (hp.error) return drop(*hp.error);
    const auto& h = hp.parsed.header;
    if (h.sender == self_ && h.incarnation == self_incarnation_) return drop(DropReason::own);

    switch (replay_.check(h.sender, h.incarnation, h.seq, h.timestamp_ns, now)) {
    case ReplayVerdict::duplicate:
        return drop(DropReason::duplicate);
    case ReplayVerdict::replay:
        return drop(DropReason::replay);
    case ReplayVerdict::fresh:
        break;
    }
    if (accept_ && !accept_(NodeId::of(h.sender))) return drop(DropReason::untrusted);
    if (!is_valid_utf8(h.topic)) return drop(DropReason::bad_utf8);
    auto tuple = decode_tuple(hp.parsed.payload);
    if (tuple.error) return drop(*tuple.error);
    if (hp.parsed.batch) {
        if (auto why = check_batch(hp.parsed, source, lag, now)) return drop(*why);
    } else {
        switch (rationed_verify(h.sender, source, lag, now, [&](const Verifier& v) {
            return verify_signature(hp.parsed, v);
        })) {
        case Verified::ok:
            break;
        case Verified::rationed:
            return drop(DropReason::rate_limited);
        case Verified::failed:
            return drop(DropReason::bad_signature);
        }
    }

    replay_.accept(h.sender, h.incarnation, h.seq, h.timestamp_ns, now);
    ++counters_.delivered;
    IngestResult out;
    out.message.header = std::move(hp.parsed.header);
    out.message.values = std::move(tuple.values);
    out.message.sender_id = NodeId::of(out.message.header.sender);
    return out;
}

std::optional<DropReason> Receiver::check_batch(const ParsedHeader& p, std::uint64_t source,
                                                std::chrono::nanoseconds lag, MonoTime now) {
    const auto& key = p.header.sender;
    // Hashes only: a datagram altered anywhere, or given another batch's path, stops here and
    // costs no verification.
    if (!batch_path_matches(p)) return DropReason::bad_path;
    switch (roots_.lookup(key, p.batch->root, p.signature)) {
    case RootCache::Verdict::verified:
        return std::nullopt; // the root verified before: hashes were enough
    case RootCache::Verdict::failed:
        return DropReason::forged_root; // failed before: not verified twice
    case RootCache::Verdict::unknown:
        break;
    }
    // A root not seen before is rationed and verified exactly as a per-datagram signature.
    switch (rationed_verify(key, source, lag, now,
                            [&](const Verifier& v) { return verify_batch_root(p, v); })) {
    case Verified::ok:
        roots_.verified(key, p.batch->root, p.signature);
        return std::nullopt;
    case Verified::rationed:
        return DropReason::rate_limited;
    case Verified::failed:
        roots_.failed(key, p.batch->root, p.signature);
        return DropReason::forged_root;
    }
    return DropReason::forged_root;
}

template <typename Verify>
Receiver::Verified Receiver::rationed_verify(const PublicKeyBytes& key, std::uint64_t source,
                                             std::chrono::nanoseconds lag, MonoTime now,
                                             Verify verify) {
    const bool known = replay_.knows(key);
    if ((failures_.active() && !failures_.allow(source, key, known, now)) ||
        !fair_.admit(source, lag, now))
        return Verified::rationed;
    ++counters_.verifications;
    if (verify(replay_.verifier(key))) return Verified::ok;
    failures_.failed(source, key, now, known);
    return Verified::failed;
}

std::string_view to_string(DropReason r) {
    switch (r) {
    case DropReason::too_short:
        return "too_short";
    case DropReason::too_long:
        return "too_long";
    case DropReason::bad_magic:
        return "bad_magic";
    case DropReason::bad_version:
        return "bad_version";
    case DropReason::bad_type:
        return "bad_type";
    case DropReason::bad_flags:
        return "bad_flags";
    case DropReason::bad_length:
        return "bad_length";
    case DropReason::bad_header:
        return "bad_header";
    case DropReason::noncanonical_key:
        return "noncanonical_key";
    case DropReason::small_order_key:
        return "small_order_key";
    case DropReason::noncanonical_r:
        return "noncanonical_r";
    case DropReason::small_order_r:
        return "small_order_r";
    case DropReason::noncanonical_s:
        return "noncanonical_s";
    case DropReason::own:
        return "own";
    case DropReason::duplicate:
        return "duplicate";
    case DropReason::replay:
        return "replay";
    case DropReason::bad_utf8:
        return "bad_utf8";
    case DropReason::truncated:
        return "truncated";
    case DropReason::too_deep:
        return "too_deep";
    case DropReason::unknown_type:
        return "unknown_type";
    case DropReason::trailing:
        return "trailing";
    case DropReason::bad_signature:
        return "bad_signature";
    case DropReason::unhandled:
        return "unhandled";
    case DropReason::untrusted:
        return "untrusted";
    case DropReason::rate_limited:
        return "rate_limited";
    case DropReason::bad_batch:
        return "bad_batch";
    case DropReason::bad_index:
        return "bad_index";
    case DropReason::bad_path:
        return "bad_path";
    case DropReason::forged_root:
        return "forged_root";
    case DropReason::count_:
        break;
    }
    return "unknown";
}

} // namespace mcast
