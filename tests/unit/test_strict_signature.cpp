// Strict Ed25519 (docs/protocol.md section 6, step 4): the forgery that plain RFC 8032
// verification accepts, and each encoding a receiver refuses before it verifies, with exact keys
// and signatures: the identity, points of order 2, 4 and 8, y >= p, S = L, S = L + 1. And that
// libsodium, which verifies for mcast, refuses all of them on its own too (docs/security.md).
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
#include "test_keys.hpp"
#include <mcast/identity.hpp>
#include <mcast/trust_store.hpp>
#include <mcast/wire.hpp>

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <sodium.h>

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

using namespace mcast;

namespace {

PublicKeyBytes key_hex(std::string_view hex) {
    auto b = from_hex(hex);
    PublicKeyBytes k{};
    std::copy(b->begin(), b->end(), k.begin());
    return k;
}

Signature sig_hex(std::string_view r_hex, std::string_view s_hex) {
    auto r = from_hex(r_hex), s = from_hex(s_hex);
    Signature sig{};
    std::copy(r->begin(), r->end(), sig.begin());
    std::copy(s->begin(), s->end(), sig.begin() + 32);
    return sig;
}

// Points, little-endian y with the sign of x in the top bit.
constexpr std::string_view identity_pt =
    "0100000000000000000000000000000000000000000000000000000000000000";
constexpr std::string_view zero_y = // order 4
    "0000000000000000000000000000000000000000000000000000000000000000";
constexpr std::string_view minus_one_y = // order 2
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
constexpr std::string_view order8 =
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";
constexpr std::string_view order8_other =
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";
constexpr std::string_view y_is_p = // p: 0 again, not canonical
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
constexpr std::string_view y_is_p_plus_3 = // 3 + p; y = 3 is on the curve
    "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
constexpr std::string_view y_all_ones = // 2^255 - 1, the largest y field
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
// Scalars, little-endian.
constexpr std::string_view s_zero =
    "0000000000000000000000000000000000000000000000000000000000000000";
constexpr std::string_view s_L = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
constexpr std::string_view s_L_plus_1 =
    "eed3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
constexpr std::string_view s_L_minus_1 =
    "ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
constexpr std::string_view s_max =
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

std::string with_sign(std::string_view hex) {
    std::string h(hex);
    auto top = std::stoi(h.substr(62, 2), nullptr, 16) | 0x80;
    static const char* digits = "0123456789abcdef";
    h[62] = digits[top >> 4];
    h[63] = digits[top & 15];
    return h;
}

// Plain RFC 8032 verification with OpenSSL, without mcast's checks.
bool openssl_verifies(const PublicKeyBytes& key, ByteView msg, const Signature& sig) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pk(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()),
        &EVP_PKEY_free);
    if (!pk) return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pk.get()) != 1) return false;
    return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

// The signature with S + L for S: the same scalar mod L (no carry out: S < L < 2^253).
Signature s_plus_group_order(const Signature& sig) {
    Signature out = sig;
    auto l = from_hex(s_L);
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        unsigned v = sig[32 + i] + (*l)[i] + carry;
        out[32 + i] = static_cast<std::uint8_t>(v);
        carry = v >> 8;
    }
    return out;
}

// libsodium's verification alone, without mcast's checks in front of it.
bool sodium_verifies(const PublicKeyBytes& key, ByteView msg, const Signature& sig) {
    if (sodium_init() < 0) return false;
    return crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), key.data()) == 0;
}

using test_keys::key;

constexpr std::int64_t t0 = 1'700'000'000'000'000'000;

// A real datagram with its sender key and/or signature replaced.
ByteBuffer datagram_with(std::optional<PublicKeyBytes> k, std::optional<Signature> sig) {
    auto id = key(7);
    Sender s(id, 5); // keeps a reference to id
    auto d = s.seal(1, "t", {"x"}, t0);
    if (k) std::copy(k->begin(), k->end(), d.begin() + 8);
    if (sig) std::copy(sig->begin(), sig->end(), d.end() - signature_size);
    return d;
}

// Sized first, then copied into: GCC 12 reports a vector insert here as out of bounds once it
// is inlined into the vectors test (-Warray-bounds, a false positive of the 105329 family).
ByteBuffer signed_message(const ByteBuffer& d) {
    ByteBuffer m(signature_domain.size() + d.size() - signature_size);
    auto at = std::copy(signature_domain.begin(), signature_domain.end(), m.begin());
    std::copy(d.begin(), d.end() - static_cast<std::ptrdiff_t>(signature_size), at);
    return m;
}

} // namespace

// The defect this guards against: without the checks, this test's forgery is "validly signed".
TEST(StrictSignature, PlainOpenSslAcceptsTheZeroCostForgery) {
    auto k = key_hex(identity_pt);
    auto forged = sig_hex(identity_pt, s_zero); // R = identity, S = 0: [0]B = R + [h]A for any h
    for (std::string_view text : {"anything", "anything else", ""}) {
        ByteView msg(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
        EXPECT_TRUE(openssl_verifies(k, msg, forged)) << text;
        EXPECT_FALSE(Verifier(k).verify(msg, forged.data())) << text;
    }
    // And on a whole datagram, whatever it says.
    auto d = datagram_with(k, forged);
    EXPECT_TRUE(openssl_verifies(k, signed_message(d), forged));
    EXPECT_EQ(parse_header(d).error, DropReason::small_order_key);
    EXPECT_EQ(decode_datagram(d).error, DropReason::small_order_key);
}

TEST(StrictSignature, SmallOrderKeysAreRefused) {
    for (auto hex : {identity_pt, zero_y, minus_one_y, order8, order8_other}) {
        EXPECT_EQ(check_public_key(key_hex(hex)), DropReason::small_order_key) << hex;
        EXPECT_EQ(check_public_key(key_hex(with_sign(hex))), DropReason::small_order_key) << hex;
    }
}

TEST(StrictSignature, NonCanonicalKeysAreRefused) {
    for (auto hex : {y_is_p, y_is_p_plus_3, y_all_ones}) {
        EXPECT_EQ(check_public_key(key_hex(hex)), DropReason::noncanonical_key) << hex;
        EXPECT_EQ(check_public_key(key_hex(with_sign(hex))), DropReason::noncanonical_key) << hex;
    }
    // p - 1 is canonical (and of small order); p - 20 is an ordinary y.
    EXPECT_EQ(check_public_key(key_hex(minus_one_y)), DropReason::small_order_key);
    EXPECT_FALSE(check_public_key(
        key_hex("d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
}

TEST(StrictSignature, RealKeysAndSignaturesPass) {
    for (int fill : {0, 1, 2, 0x55, 0xff}) {
        auto id = key(static_cast<std::uint8_t>(fill));
        EXPECT_FALSE(check_public_key(id.public_key()));
        auto sig = id.sign(ByteView{});
        EXPECT_FALSE(check_signature(sig.data()));
        EXPECT_TRUE(Verifier(id.public_key()).verify(ByteView{}, sig.data()));
    }
}

TEST(StrictSignature, SmallOrderAndNonCanonicalRAreRefused) {
    auto real = key(9).sign(ByteView{});
    auto s = to_hex(ByteView(real.data() + 32, 32));
    for (auto hex : {identity_pt, zero_y, minus_one_y, order8, order8_other}) {
        EXPECT_EQ(check_signature(sig_hex(hex, s).data()), DropReason::small_order_r) << hex;
        EXPECT_EQ(check_signature(sig_hex(with_sign(hex), s).data()), DropReason::small_order_r);
    }
    for (auto hex : {y_is_p, y_is_p_plus_3, y_all_ones})
        EXPECT_EQ(check_signature(sig_hex(hex, s).data()), DropReason::noncanonical_r) << hex;
}

TEST(StrictSignature, SAtOrAboveTheGroupOrderIsRefused) {
    auto id = key(9);
    auto real = id.sign(ByteView{});
    auto r = to_hex(ByteView(real.data(), 32));
    EXPECT_EQ(check_signature(sig_hex(r, s_L).data()), DropReason::noncanonical_s);
    EXPECT_EQ(check_signature(sig_hex(r, s_L_plus_1).data()), DropReason::noncanonical_s);
    EXPECT_EQ(check_signature(sig_hex(r, s_max).data()), DropReason::noncanonical_s);
    EXPECT_FALSE(check_signature(sig_hex(r, s_L_minus_1).data()));
    EXPECT_FALSE(check_signature(sig_hex(r, s_zero).data()));

    // S + L is the same scalar mod L: a second encoding of a valid signature (malleability).
    auto mauled = s_plus_group_order(real);
    EXPECT_EQ(check_signature(mauled.data()), DropReason::noncanonical_s);
    EXPECT_FALSE(Verifier(id.public_key()).verify(ByteView{}, mauled.data()));
}

TEST(StrictSignature, ChecksComeAfterTheHeaderInTheirOrder) {
    auto weak = key_hex(identity_pt);
    auto forged = sig_hex(identity_pt, s_L);
    // Key before R before S.
    EXPECT_EQ(parse_header(datagram_with(weak, forged)).error, DropReason::small_order_key);
    EXPECT_EQ(parse_header(datagram_with(key_hex(y_is_p), forged)).error,
              DropReason::noncanonical_key);
    EXPECT_EQ(parse_header(datagram_with(std::nullopt, forged)).error, DropReason::small_order_r);
    EXPECT_EQ(parse_header(datagram_with(std::nullopt, sig_hex(y_all_ones, s_L))).error,
              DropReason::noncanonical_r);
    auto real = key(7).sign(ByteView{});
    auto r = to_hex(ByteView(real.data(), 32));
    EXPECT_EQ(parse_header(datagram_with(std::nullopt, sig_hex(r, s_L))).error,
              DropReason::noncanonical_s);
    // bad_header (step 3) comes first.
    auto d = datagram_with(weak, forged);
    std::fill(d.begin() + 48, d.begin() + 56, 0); // seq 0
    EXPECT_EQ(parse_header(d).error, DropReason::bad_header);
}

TEST(StrictSignature, ReceiverCountsAndNeverDelivers) {
    Receiver rx(key(1).public_key(), 1);
    auto forged = sig_hex(identity_pt, s_zero);
    auto d = datagram_with(key_hex(identity_pt), forged);
    EXPECT_EQ(rx.ingest(d, {}).dropped, DropReason::small_order_key);
    EXPECT_EQ(rx.counters()[DropReason::small_order_key], 1u);
    EXPECT_EQ(rx.counters().delivered, 0u);
}

TEST(StrictSignature, TrustStoreRefusesTheIdsOfRefusedKeys) {
    TrustStore t;
    for (auto hex : {identity_pt, zero_y, minus_one_y, order8, order8_other, y_is_p, y_is_p_plus_3,
                     y_all_ones}) {
        auto id = NodeId::of(key_hex(hex)).full();
        EXPECT_THROW(t.add({id, "weak", "2026-01-01T00:00:00Z", ""}), TrustError) << hex;
        auto signed_id = NodeId::of(key_hex(with_sign(hex))).full();
        EXPECT_THROW(t.add({signed_id, "weak", "2026-01-01T00:00:00Z", ""}), TrustError) << hex;
    }
    EXPECT_TRUE(t.friends().empty());
    EXPECT_TRUE(t.add({key(3).id().full(), "real", "2026-01-01T00:00:00Z", ""}));
}

// Where plain verification (OpenSSL, which checks only S < L) accepts a zero-cost forgery under a
// weak key, libsodium alone refuses it: R and A of small order, and A's non-canonical encodings.
TEST(StrictSignature, LibsodiumAloneRefusesWhatPlainVerificationAccepts) {
    constexpr std::string_view y_is_p_plus_1 = // 1 + p: the identity, not canonical
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
    int plain_accepted = 0;
    for (auto k_hex :
         {identity_pt, zero_y, minus_one_y, order8, order8_other, y_is_p, y_is_p_plus_1}) {
        for (const auto& kh : {std::string(k_hex), with_sign(k_hex)}) {
            auto k = key_hex(kh);
            for (auto r_hex : {identity_pt, zero_y, minus_one_y, order8, order8_other}) {
                auto forged = sig_hex(r_hex, s_zero);
                for (int m = 0; m < 16; ++m) {
                    std::string text = "message " + std::to_string(m);
                    ByteView msg(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
                    if (!openssl_verifies(k, msg, forged)) continue;
                    ++plain_accepted;
                    EXPECT_FALSE(sodium_verifies(k, msg, forged)) << kh << " R " << r_hex;
                }
            }
        }
    }
    // Plain verification accepts R = identity under the identity key for every message.
    EXPECT_GE(plain_accepted, 16);
}

TEST(StrictSignature, LibsodiumAloneRefusesSAtOrAboveTheGroupOrder) {
    auto id = key(9);
    ByteView msg{};
    auto real = id.sign(msg);
    ASSERT_TRUE(sodium_verifies(id.public_key(), msg, real));
    EXPECT_FALSE(sodium_verifies(id.public_key(), msg, s_plus_group_order(real)));
    auto r = to_hex(ByteView(real.data(), 32));
    for (auto s : {s_L, s_L_plus_1, s_max})
        EXPECT_FALSE(sodium_verifies(id.public_key(), msg, sig_hex(r, s))) << s;
    // Non-canonical R: y + p for the real R's y is out of reach (y < 19 is needed), so the
    // encodings of y >= p: refused whatever S is.
    for (auto rh : {y_is_p, y_is_p_plus_3, y_all_ones})
        EXPECT_FALSE(sodium_verifies(id.public_key(), msg,
                                     sig_hex(rh, to_hex(ByteView(real.data() + 32, 32)))));
}

// The committed vectors, checked by libsodium alone: every valid datagram's signature passes
// (so the parts are cut right), every strict-check vector's fails.
TEST(StrictSignature, LibsodiumAloneOnTheVectors) {
    namespace fs = std::filesystem;
    int valid = 0, strict = 0;
    for (auto& e : fs::directory_iterator(MCAST_VECTORS_DIR)) {
        if (e.path().extension() != ".json") continue;
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        auto v = boost::json::parse(ss.str()).as_object();
        auto name = e.path().stem().string();
        const bool is_valid = name.rfind("valid-", 0) == 0;
        const bool is_strict = name.find("small-order") != std::string::npos ||
                               name.find("noncanonical") != std::string::npos ||
                               name == "reject-s-is-l" || name == "reject-s-plus-l";
        if (!is_valid && !is_strict) continue;
        // Batch-signed datagrams are signed over their batch's root, not the datagram itself.
        if (name.find("-batch-") != std::string::npos) continue;
        auto d = from_hex(v.at("datagram").as_string());
        ASSERT_TRUE(d && d->size() > 40 + signature_size) << name;
        PublicKeyBytes k{};
        std::copy(d->begin() + 8, d->begin() + 40, k.begin());
        Signature sig{};
        std::copy(d->end() - signature_size, d->end(), sig.begin());
        auto m = signed_message(*d);
        if (is_valid) {
            ++valid;
            EXPECT_TRUE(sodium_verifies(k, m, sig)) << name;
        } else {
            ++strict;
            EXPECT_FALSE(sodium_verifies(k, m, sig)) << name;
        }
    }
    EXPECT_GE(valid, 5);
    EXPECT_EQ(strict, 7);
}
