// Which holder fetches which blocks next. Sans-IO: the fetcher's connections ask for a span, say
// what became of each block (verified, bad, left undone) and when a holder is gone; the plan
// never hands one block to two holders at once, never gives a holder back a block it served
// bad, and says when the fetch is done or stuck (blocks missing, no holder left for them).
//
// Spans are runs of missing blocks (at most max_span blocks) from the lowest missing block that
// is not in flight, or from the block a player asked for last (stream mode, want()), so that
// several holders pull different parts of the file at once.
#pragma once

#include "transfer/block_map.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <vector>

namespace mcast::share {

struct BlockSpan {
    std::size_t first = 0;
    std::size_t count = 0;
    friend bool operator==(const BlockSpan&, const BlockSpan&) = default;
};

class RangePlan {
public:
    // `done`: the blocks already verified (a resumed fetch).
    RangePlan(BlockMap done, std::size_t holders, std::size_t max_span);

    // The next span for `holder`, or nullopt when it has nothing to do now (everything else is
    // verified, in flight elsewhere, or served bad by it before), it is out, or it has a span
    // in flight; with `ahead`, a further span while one is in flight (the holder's connection
    // asks for it before the first answer ends, so the holder never waits for a request).
    std::optional<BlockSpan> next(std::size_t holder, bool ahead = false);
    // Block `block` of `holder`'s span arrived and matched its hash.
    void verified(std::size_t holder, std::size_t block);
    // It did not: the holder is out (it serves a different file under this hash) and the block
    // goes back to be fetched from another holder.
    void bad(std::size_t holder, std::size_t block);
    // The holder's connection ended or failed: its unfinished blocks go back; it is out when
    // `out` (a vanished holder), else it may be asked again.
    void release(std::size_t holder, bool out);
    // Stream mode: fetch from `block` onwards first.
    void want(std::size_t block);

    bool done() const { return verified_.complete(); }
    // Blocks are missing and no holder is left that could still serve them.
    bool stuck() const;
    bool holder_out(std::size_t holder) const { return holders_.at(holder).out; }
    bool holder_bad(std::size_t holder) const { return holders_.at(holder).bad; }
    const BlockMap& verified_blocks() const { return verified_; }
    std::size_t in_flight() const;

private:
    struct HolderState {
        std::set<std::size_t> assigned; // blocks of its spans in flight not yet verified
        std::set<std::size_t> refused;  // blocks it served bad (never asked of it again)
        bool out = false;
        bool bad = false;
    };
    bool available(std::size_t block) const;

    BlockMap verified_;
    std::vector<bool> in_flight_;
    std::vector<HolderState> holders_;
    std::size_t max_span_;
    std::size_t cursor_ = 0; // where next() starts looking
};

} // namespace mcast::share
