// Ed25519 sign and verify through OpenSSL 3 (EVP, one reused context, as identity.cpp did before
// libsodium) and libsodium (crypto_sign_detached / crypto_sign_verify_detached), on the same keys
// and messages, so that the library chosen for the per-datagram path is chosen by a figure
// measured on this machine (docs/security.md, "Ed25519 implementation").
//   build/bench/mcast_bench_ed25519 --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// One key pair in both libraries' forms, from one fixed seed.
struct Keys {
    std::array<unsigned char, 32> seed{};
    std::array<unsigned char, 32> pub{};
    std::array<unsigned char, 64> sodium_secret{};
    Pkey priv;
    Pkey pub_key;

    Keys() {
        if (sodium_init() < 0) throw std::runtime_error("sodium_init");
        for (std::size_t i = 0; i < seed.size(); ++i)
            seed[i] = static_cast<unsigned char>(i * 7 + 1);
        crypto_sign_seed_keypair(pub.data(), sodium_secret.data(), seed.data());
        priv.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32));
        pub_key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), 32));
        if (!priv || !pub_key) throw std::runtime_error("OpenSSL Ed25519 key");
    }
};

std::array<unsigned char, 64> openssl_sign(EVP_MD_CTX* ctx, EVP_PKEY* key,
                                           const std::vector<unsigned char>& msg) {
    std::array<unsigned char, 64> sig{};
    std::size_t len = sig.size();
    EVP_MD_CTX_reset(ctx);
    if (EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) != 1 ||
        EVP_DigestSign(ctx, sig.data(), &len, msg.data(), msg.size()) != 1)
        throw std::runtime_error("EVP_DigestSign");
    return sig;
}

void BM_OpenSSL_Sign(benchmark::State& st) {
    Keys k;
    MdCtx ctx(EVP_MD_CTX_new());
    std::vector<unsigned char> msg(static_cast<std::size_t>(st.range(0)), 0x5a);
    for (auto _ : st)
        benchmark::DoNotOptimize(openssl_sign(ctx.get(), k.priv.get(), msg));
    st.counters["per_s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_OpenSSL_Verify(benchmark::State& st) {
    Keys k;
    MdCtx ctx(EVP_MD_CTX_new());
    std::vector<unsigned char> msg(static_cast<std::size_t>(st.range(0)), 0x5a);
    auto sig = openssl_sign(ctx.get(), k.priv.get(), msg);
    for (auto _ : st) {
        EVP_MD_CTX_reset(ctx.get());
        EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.pub_key.get());
        int ok = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size());
        if (ok != 1) st.SkipWithError("OpenSSL rejected a good signature");
    }
    st.counters["per_s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_Sodium_Sign(benchmark::State& st) {
    Keys k;
    std::vector<unsigned char> msg(static_cast<std::size_t>(st.range(0)), 0x5a);
    std::array<unsigned char, 64> sig{};
    for (auto _ : st) {
        crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), k.sodium_secret.data());
        benchmark::DoNotOptimize(sig);
    }
    st.counters["per_s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void BM_Sodium_Verify(benchmark::State& st) {
    Keys k;
    std::vector<unsigned char> msg(static_cast<std::size_t>(st.range(0)), 0x5a);
    std::array<unsigned char, 64> sig{};
    crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), k.sodium_secret.data());
    for (auto _ : st) {
        if (crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), k.pub.data()) != 0)
            st.SkipWithError("libsodium rejected a good signature");
    }
    st.counters["per_s"] =
        benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

} // namespace

// 148 B: a small signed message; 512 and 1200 B: the sizes bench-throughput and bench-speed use.
BENCHMARK(BM_OpenSSL_Sign)->Arg(148)->Arg(512)->Arg(1200);
BENCHMARK(BM_Sodium_Sign)->Arg(148)->Arg(512)->Arg(1200);
BENCHMARK(BM_OpenSSL_Verify)->Arg(148)->Arg(512)->Arg(1200);
BENCHMARK(BM_Sodium_Verify)->Arg(148)->Arg(512)->Arg(1200);
BENCHMARK_MAIN();
