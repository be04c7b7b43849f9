// The per-datagram costs of the protocol core. Everything but the Ed25519 operations should be
// nearly free: compare BM_Seal with BM_SignOnly and BM_Ingest with BM_VerifyOnly. The batched
// pair (BM_SealBatched, BM_IngestBatched) is what a stream costs on one core with one signature
// per 32 datagrams (docs/protocol.md section 3.4): issue 15's receiver target is 100 000
// authenticated messages a second, 10 us each, of which this is the protocol's part.
#include "protocol/batcher.hpp"
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
#include "verify_pool.hpp"
#include <mcast/wire.hpp>

#include <benchmark/benchmark.h>

using namespace mcast;

namespace {

Tuple sample(std::size_t bytes) {
    return {Value{"sensor"}, Value{std::int64_t{42}}, Value{Bytes{ByteBuffer(bytes)}}};
}

void BM_SignOnly(benchmark::State& st) {
    auto id = Identity::generate();
    ByteBuffer msg(static_cast<std::size_t>(st.range(0)));
    for (auto _ : st)
        benchmark::DoNotOptimize(id.sign(msg));
}

void BM_VerifyOnly(benchmark::State& st) {
    auto id = Identity::generate();
    ByteBuffer msg(static_cast<std::size_t>(st.range(0)));
    auto sig = id.sign(msg);
    Verifier v(id.public_key());
    for (auto _ : st)
        benchmark::DoNotOptimize(v.verify(msg, sig.data()));
}

void BM_Seal(benchmark::State& st) {
    auto id = Identity::generate();
    Sender s(id, 1);
    auto t = sample(static_cast<std::size_t>(st.range(0)));
    for (auto _ : st)
        benchmark::DoNotOptimize(s.seal(1, "topic", t, 1));
}

// Feeds `datagrams` to a Receiver one per iteration, a fresh Receiver each time round.
void ingest_all(benchmark::State& st, const std::vector<ByteBuffer>& datagrams) {
    PublicKeyBytes self{};
    std::size_t i = 0;
    auto r = std::make_unique<Receiver>(self, 1);
    for (auto _ : st) {
        if (i == datagrams.size()) {
            st.PauseTiming();
            r = std::make_unique<Receiver>(self, 1);
            i = 0;
            st.ResumeTiming();
        }
        auto out = r->ingest(datagrams[i++], MonoTime{});
        if (out.dropped) st.SkipWithError("dropped");
    }
    st.SetItemsProcessed(st.iterations());
}

void BM_Ingest(benchmark::State& st) {
    auto id = Identity::generate();
    Sender s(id, 1);
    auto t = sample(static_cast<std::size_t>(st.range(0)));
    std::vector<ByteBuffer> datagrams;
    for (int i = 0; i < 4096; ++i)
        datagrams.push_back(s.seal(1, "topic", t, 1));
    ingest_all(st, datagrams);
}

// Datagrams of full batches, as a stream's sender makes them.
std::vector<ByteBuffer> batched(const Identity& id, std::size_t bytes, int count) {
    Sender s(id, 1);
    Batcher b(id);
    auto t = sample(bytes);
    std::vector<ByteBuffer> out;
    for (int i = 0; i < count; ++i)
        for (auto& d : b.add(s.body(1, "topic", t, 1), MonoTime{}))
            out.push_back(std::move(d));
    for (auto& d : b.flush())
        out.push_back(std::move(d));
    return out;
}

void BM_SealBatched(benchmark::State& st) {
    auto id = Identity::generate();
    Sender s(id, 1);
    Batcher b(id);
    auto t = sample(static_cast<std::size_t>(st.range(0)));
    for (auto _ : st)
        benchmark::DoNotOptimize(b.add(s.body(1, "topic", t, 1), MonoTime{}));
}

void BM_IngestBatched(benchmark::State& st) {
    auto id = Identity::generate();
    ingest_all(st, batched(id, static_cast<std::size_t>(st.range(0)), 4096));
}

// A wake-up's 32 single-signed datagrams from four senders, on `threads` threads: 1 ingests each
// in turn (the session without a pool), more go through ingest_batch with a VerifyPool. Wall
// time per datagram: verification dominates, so two threads on two idle cores should near halve
// it. The batch-signed stream (threads only engage when a wake-up holds two signatures or more)
// is BM_IngestBatchedThreads.
void ingest_reads(benchmark::State& st, const std::vector<ByteBuffer>& datagrams) {
    const auto threads = static_cast<unsigned>(st.range(1));
    PublicKeyBytes self{};
    detail::VerifyPool pool(threads);
    auto fresh = [&] {
        auto r = std::make_unique<Receiver>(self, 1);
        if (threads > 1) r->set_parallel([&](std::size_t n, const auto& fn) { pool.run(n, fn); });
        return r;
    };
    auto r = fresh();
    constexpr std::size_t per_read = 32;
    std::size_t i = 0;
    std::vector<Arrived> read;
    for (auto _ : st) {
        if (i + per_read > datagrams.size()) {
            st.PauseTiming();
            r = fresh();
            i = 0;
            st.ResumeTiming();
        }
        if (threads == 1) {
            for (std::size_t k = 0; k < per_read; ++k)
                if (r->ingest(datagrams[i + k], MonoTime{}).dropped) st.SkipWithError("dropped");
        } else {
            read.clear();
            for (std::size_t k = 0; k < per_read; ++k)
                read.push_back({datagrams[i + k], 0, {}});
            r->ingest_batch(read, MonoTime{}, [&](std::size_t, IngestResult& res) {
                if (res.dropped) st.SkipWithError("dropped");
                return true;
            });
        }
        i += per_read;
    }
    st.SetItemsProcessed(st.iterations() * static_cast<std::int64_t>(per_read));
}

void BM_IngestSingleThreads(benchmark::State& st) {
    std::vector<Identity> ids;
    for (int k = 0; k < 4; ++k)
        ids.push_back(Identity::generate());
    std::vector<Sender> senders;
    for (auto& id : ids)
        senders.emplace_back(id, 1);
    auto t = sample(static_cast<std::size_t>(st.range(0)));
    std::vector<ByteBuffer> datagrams;
    for (int i = 0; i < 2048; ++i)
        datagrams.push_back(senders[static_cast<std::size_t>(i) % 4].seal(1, "topic", t, 1));
    ingest_reads(st, datagrams);
}

void BM_IngestBatchedThreads(benchmark::State& st) {
    auto id = Identity::generate();
    ingest_reads(st, batched(id, static_cast<std::size_t>(st.range(0)), 4096));
}

} // namespace

BENCHMARK(BM_SignOnly)->Arg(64)->Arg(1200);
BENCHMARK(BM_VerifyOnly)->Arg(64)->Arg(1200);
BENCHMARK(BM_Seal)->Arg(64)->Arg(1200);
BENCHMARK(BM_Ingest)->Arg(64)->Arg(1200);
BENCHMARK(BM_SealBatched)->Arg(64)->Arg(1200);
BENCHMARK(BM_IngestBatched)->Arg(64)->Arg(1200);
BENCHMARK(BM_IngestSingleThreads)->Args({512, 1})->Args({512, 2})->UseRealTime();
BENCHMARK(BM_IngestBatchedThreads)->Args({512, 1})->Args({512, 2})->UseRealTime();
BENCHMARK_MAIN();
