// The ingress pipeline of docs/protocol.md section 6, cheap checks first, and the sender's
// sequence state. Each datagram is parsed once; nothing is delivered before it is verified.
// ingest_batch plans a wake-up's expensive checks in arrival order, does them ahead (on
// several threads), then commits each datagram in turn exactly as ingest() does.
#include "protocol/receiver.hpp"
#include <mcast/tuple_codec.hpp>

#include <algorithm>
#include <cstring>

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

// A datagram on its way in. ingest() fills it as the checks go; ingest_batch's plan fills the
// cheap parts first, and the checks done ahead (pure functions of the bytes) wait here for the
// datagram's turn.
struct Receiver::Pending {
    ByteView bytes;
    std::uint64_t source = 0;
    std::chrono::nanoseconds lag{};
    bool parsed = false;
    HeaderParseResult hp;
    std::optional<bool> utf8;
    std::optional<TupleDecodeResult> tuple;
    bool verify_ahead = false;     // plan: check its per-datagram signature ahead
    std::optional<bool> signature; // checked ahead
    bool signature_used = false;   // its turn took the result
    std::optional<bool> path;      // batch-signed: its path, checked ahead
    RootAhead* root = nullptr;     // batch-signed: its distinct root in this wake-up
};

// A distinct (key, size, root, signature) of a wake-up's batch-signed datagrams: its members'
// paths are checked ahead in arrival order, and its signature once, at the first member whose
// path matches, when the plan says so.
struct Receiver::RootAhead {
    std::size_t first = 0; // the member that names it
    std::vector<std::size_t> members;
    bool verify = false;          // plan: unknown to the cache, and the ration lets it through
    std::optional<bool> verified; // checked ahead
    bool used = false;            // a member's turn took the result
};

IngestResult Receiver::ingest(ByteView datagram, MonoTime now, std::uint64_t source,
                              std::chrono::nanoseconds lag) {
    Pending p;
    p.bytes = datagram;
    p.source = source;
    p.lag = lag;
    return commit(p, now);
}

IngestResult Receiver::commit(Pending& p, MonoTime now) {
    ++counters_.received;
    if (!p.parsed) p.hp = parse_header(p.bytes);
    auto& hp = p.hp;
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
    if (!p.utf8) p.utf8 = is_valid_utf8(h.topic);
    if (!*p.utf8) return drop(DropReason::bad_utf8);
    if (!p.tuple) p.tuple = decode_tuple(hp.parsed.payload);
    if (p.tuple->error) return drop(*p.tuple->error);
    if (hp.parsed.batch) {
        if (auto why = check_batch(p, now)) return drop(*why);
    } else {
        switch (rationed_verify(h.sender, p.source, p.lag, now, [&](const Verifier& v) {
            if (!p.signature) return verify_signature(hp.parsed, v);
            p.signature_used = true;
            return *p.signature;
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
    out.message.values = std::move(p.tuple->values);
    out.message.sender_id = NodeId::of(out.message.header.sender);
    return out;
}

std::optional<DropReason> Receiver::check_batch(Pending& pending, MonoTime now) {
    const auto& p = pending.hp.parsed;
    const auto& key = p.header.sender;
    // Hashes only: a datagram altered anywhere, or given another batch's path, stops here and
    // costs no verification.
    if (!(pending.path ? *pending.path : batch_path_matches(p))) return DropReason::bad_path;
    switch (roots_.lookup(key, p.batch->root, p.signature)) {
    case RootCache::Verdict::verified:
        return std::nullopt; // the root verified before: hashes were enough
    case RootCache::Verdict::failed:
        return DropReason::forged_root; // failed before: not verified twice
    case RootCache::Verdict::unknown:
        break;
    }
    // A root not seen before is rationed and verified exactly as a per-datagram signature.
    auto* ahead = pending.root;
    switch (rationed_verify(key, pending.source, pending.lag, now, [&](const Verifier& v) {
        if (!ahead || !ahead->verified) return verify_batch_root(p, v);
        ahead->used = true;
        return *ahead->verified;
    })) {
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

std::size_t Receiver::plan(std::vector<Pending>& pending, std::vector<RootAhead>& roots,
                           std::span<const Arrived> batch, MonoTime now) {
    // The checks of commit() that change no state, in the same order, against the state as the
    // datagrams before would leave it if every one of them verified; the ration and the fair
    // share as if every signature checked ahead failed. So nothing is checked ahead that its
    // turn would not check, but for a datagram whose forged twin came first.
    struct Seq {
        PublicKeyBytes key;
        std::uint64_t incarnation, seq;
    };
    std::vector<Seq> fresh; // taken by the plan so far: a second copy is a duplicate
    std::vector<std::pair<PublicKeyBytes, bool>> accepted; // the policy's answer per sender
    FailureLimiter::Forecast failures(failures_);
    std::optional<FairShare> fair; // a copy, when some datagram finds the receiver behind
    for (const auto& a : batch)
        if (fair_.behind(a.lag)) {
            fair.emplace(fair_);
            break;
        }
    auto admit = [&](const PublicKeyBytes& key, const Pending& p) {
        return failures.allow_and_fail(p.source, key, replay_.knows(key), now) &&
               (!fair || fair->admit(p.source, p.lag, now));
    };
    std::size_t signatures = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& p = pending[i];
        p.bytes = batch[i].bytes;
        p.source = batch[i].source;
        p.lag = batch[i].lag;
        p.hp = parse_header(p.bytes);
        p.parsed = true;
        if (p.hp.error) continue;
        const auto& h = p.hp.parsed.header;
        if (h.sender == self_ && h.incarnation == self_incarnation_) continue;
        if (replay_.check(h.sender, h.incarnation, h.seq, h.timestamp_ns, now) !=
            ReplayVerdict::fresh)
            continue;
        if (std::any_of(fresh.begin(), fresh.end(), [&](const Seq& s) {
                return s.seq == h.seq && s.incarnation == h.incarnation && s.key == h.sender;
            }))
            continue;
        if (accept_) {
            auto it = std::find_if(accepted.begin(), accepted.end(),
                                   [&](const auto& a) { return a.first == h.sender; });
            if (it == accepted.end())
                it = accepted.insert(accepted.end(), {h.sender, accept_(NodeId::of(h.sender))});
            if (!it->second) continue;
        }
        p.utf8 = is_valid_utf8(h.topic);
        if (!*p.utf8) continue;
        p.tuple = decode_tuple(p.hp.parsed.payload);
        if (p.tuple->error) continue;
        fresh.push_back({h.sender, h.incarnation, h.seq});
        const auto& b = p.hp.parsed.batch;
        if (!b) {
            p.verify_ahead = admit(h.sender, p);
            signatures += p.verify_ahead;
            continue;
        }
        auto same = [&](const RootAhead& r) {
            const auto& o = pending[r.first].hp.parsed;
            return o.header.sender == h.sender && o.batch->size == b->size &&
                   std::memcmp(o.batch->root, b->root, 32) == 0 &&
                   std::memcmp(o.signature, p.hp.parsed.signature, signature_size) == 0;
        };
        auto r = std::find_if(roots.begin(), roots.end(), same);
        if (r == roots.end()) {
            r = roots.insert(roots.end(), RootAhead{});
            r->first = i;
            r->verify = roots_.lookup(h.sender, b->root, p.hp.parsed.signature) ==
                            RootCache::Verdict::unknown &&
                        admit(h.sender, p);
            signatures += r->verify;
        }
        r->members.push_back(i);
    }
    return signatures;
}

std::size_t Receiver::ingest_batch(std::span<const Arrived> batch, MonoTime now,
                                   const std::function<bool(std::size_t, IngestResult&)>& each) {
    std::vector<Pending> pending(batch.size());
    std::vector<RootAhead> roots;
    const auto signatures = plan(pending, roots, batch, now);
    for (auto& r : roots)
        for (auto m : r.members)
            pending[m].root = &r;

    if (signatures >= std::max<std::size_t>(min_ahead_, 1)) {
        // One task per signature checked ahead and per root (its members' paths, its signature
        // at most once), each with a verifier of its own: tasks share nothing they write.
        struct Task {
            Pending* single = nullptr;
            RootAhead* root = nullptr;
            std::optional<Verifier> verifier;
        };
        std::vector<Task> tasks;
        tasks.reserve(batch.size());
        for (auto& p : pending)
            if (p.verify_ahead) tasks.push_back({&p, nullptr, {}});
        for (auto& r : roots)
            tasks.push_back({nullptr, &r, {}});
        auto run = [&](std::size_t t) {
            auto& task = tasks[t];
            auto& first = task.single ? *task.single : pending[task.root->first];
            const auto& key = first.hp.parsed.header.sender;
            if (task.single) {
                task.verifier.emplace(key);
                task.single->signature = verify_signature(task.single->hp.parsed, *task.verifier);
                return;
            }
            auto& r = *task.root;
            for (auto m : r.members) {
                auto& p = pending[m];
                p.path = batch_path_matches(p.hp.parsed);
                if (*p.path && r.verify && !r.verified) {
                    task.verifier.emplace(key);
                    r.verified = verify_batch_root(p.hp.parsed, *task.verifier);
                }
            }
        };
        if (parallel_)
            parallel_(tasks.size(), run);
        else
            for (std::size_t t = 0; t < tasks.size(); ++t)
                run(t);
    }

    for (const auto& p : pending)
        checked_ahead_ += p.signature.has_value();
    for (const auto& r : roots)
        checked_ahead_ += r.verified.has_value();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto result = commit(pending[i], now);
        if (!each(i, result)) return signatures; // the receiver may be gone: touch nothing more
    }
    for (const auto& p : pending)
        wasted_ahead_ += p.signature && !p.signature_used;
    for (const auto& r : roots)
        wasted_ahead_ += r.verified && !r.used;
    return signatures;
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
