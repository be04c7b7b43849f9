// The per-datagram costs of the protocol core. Everything but the Ed25519 operations should be
// nearly free: compare BM_Seal with BM_SignOnly and BM_Ingest with BM_VerifyOnly. The batched
// pair (BM_SealBatched, BM_IngestBatched) is what a stream costs on one core with one signature
// per 32 datagrams (docs/protocol.md section 3.4): issue 15's receiver target is 100 000
// authenticated messages a second, 10 us each, of which this is the protocol's part.
#include "protocol/batcher.hpp"
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
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

} // namespace

BENCHMARK(BM_SignOnly)->Arg(64)->Arg(1200);
BENCHMARK(BM_VerifyOnly)->Arg(64)->Arg(1200);
BENCHMARK(BM_Seal)->Arg(64)->Arg(1200);
BENCHMARK(BM_Ingest)->Arg(64)->Arg(1200);
BENCHMARK(BM_SealBatched)->Arg(64)->Arg(1200);
BENCHMARK(BM_IngestBatched)->Arg(64)->Arg(1200);
BENCHMARK_MAIN();
