// Ed25519 identities on OpenSSL 3: key generation, signing, strict verification. No files here;
// key files are in key_file.cpp, outside the sans-IO core.
#include "protocol/identity_impl.hpp"

#include <mcast/identity.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>

namespace mcast {

using detail::MdCtxPtr;
using detail::PkeyPtr;

namespace {

// Points are encoded as y (255 bits, little-endian) and the sign of x in the top bit; scalars as
// 256 bits little-endian (RFC 8032 section 5.1.2).
using Bytes32 = std::array<std::uint8_t, 32>;

constexpr Bytes32 from_hex32(const char (&hex)[65]) {
    auto nibble = [](char c) {
        return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    };
    Bytes32 out{};
    for (std::size_t i = 0; i < 32; ++i)
        out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

// The y of every point of small order (the eight points of the torsion subgroup; x and -x share
// a y): y = 0 (order 4), 1 (the identity), p - 1 (order 2), and the two roots of
// d y^4 + 2 y^2 - 1 = 0 that have an x (order 8). Only canonical y: the non-canonical
// encodings of 0 and 1 (p, p + 1) are refused earlier as non-canonical.
constexpr std::array<Bytes32, 5> small_order_y{
    from_hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    from_hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    from_hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    from_hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    from_hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
};

// L = 2^252 + 27742317777372353535851937790883648493, the order of the base point.
constexpr Bytes32 group_order =
    from_hex32("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

// y >= p = 2^255 - 19: the top 255 bits are all ones except in the lowest byte, which is
// 0xed-0xff (y = p .. 2^255 - 1). The sign bit plays no part.
bool y_canonical(const std::uint8_t* s) {
    if ((s[31] & 0x7f) != 0x7f) return true;
    for (int i = 30; i >= 1; --i)
        if (s[i] != 0xff) return true;
    return s[0] < 0xed;
}

bool y_small_order(const std::uint8_t* s) {
    for (const auto& y : small_order_y)
        if (std::equal(s, s + 31, y.begin()) && (s[31] & 0x7f) == y[31]) return true;
    return false;
}

// S < L, compared from the most significant byte down.
bool scalar_canonical(const std::uint8_t* s) {
    for (int i = 31; i >= 0; --i) {
        auto idx = static_cast<std::size_t>(i);
        if (s[idx] != group_order[idx]) return s[idx] < group_order[idx];
    }
    return false; // S == L
}

PublicKeyBytes raw_public(EVP_PKEY* k) {
    PublicKeyBytes out{};
    std::size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1 || len != out.size())
        throw IdentityError("cannot read Ed25519 public key: " + detail::openssl_error());
    return out;
}

} // namespace

std::optional<DropReason> check_public_key(const PublicKeyBytes& key) {
    if (!y_canonical(key.data())) return DropReason::noncanonical_key;
    if (y_small_order(key.data())) return DropReason::small_order_key;
    return std::nullopt;
}

std::optional<DropReason> check_signature(const std::uint8_t* signature) {
    if (!y_canonical(signature)) return DropReason::noncanonical_r;
    if (y_small_order(signature)) return DropReason::small_order_r;
    if (!scalar_canonical(signature + 32)) return DropReason::noncanonical_s;
    return std::nullopt;
}

struct Verifier::Impl {
    PkeyPtr key;
    MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Verifier::Verifier(const PublicKeyBytes& key) : impl_(std::make_unique<Impl>()) {
    if (check_public_key(key)) return; // key stays null: nothing verifies under it
    impl_->key.reset(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
    // An invalid point leaves key null: verify() then always fails, which is the right answer.
    ERR_clear_error();
}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

bool Verifier::verify(ByteView message, const std::uint8_t* signature) const {
    if (!impl_->key || !impl_->ctx || check_signature(signature)) return false;
    EVP_MD_CTX_reset(impl_->ctx.get());
    if (EVP_DigestVerifyInit(impl_->ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) {
        ERR_clear_error();
        return false;
    }
    int ok = EVP_DigestVerify(impl_->ctx.get(), signature, signature_size, message.data(),
                              message.size());
    if (ok != 1) ERR_clear_error();
    return ok == 1;
}

Identity::Identity(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
    impl_->pub = raw_public(impl_->key.get());
    // No seed gives such a key (a clamped scalar times the base point has order L), but a key
    // that receivers refuse must not be used to send either.
    if (auto why = check_public_key(impl_->pub))
        throw IdentityError("the public key is refused by every receiver (" +
                            std::string(to_string(*why)) + ")");
}
Identity::~Identity() = default;
Identity::Identity(Identity&&) noexcept = default;
Identity& Identity::operator=(Identity&&) noexcept = default;

Identity Identity::generate() {
    std::array<std::uint8_t, 32> seed{};
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1)
        throw IdentityError("cannot get random bytes: " + detail::openssl_error());
    auto id = from_seed(seed);
    OPENSSL_cleanse(seed.data(), seed.size());
    return id;
}

Identity Identity::from_seed(const std::array<std::uint8_t, 32>& seed) {
    auto impl = std::make_unique<Impl>();
    impl->key.reset(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    if (!impl->key) throw IdentityError("cannot create Ed25519 key: " + detail::openssl_error());
    return Identity(std::move(impl));
}

const PublicKeyBytes& Identity::public_key() const {
    return impl_->pub;
}

Identity Identity::clone() const {
    auto impl = std::make_unique<Impl>();
    EVP_PKEY_up_ref(impl_->key.get());
    impl->key.reset(impl_->key.get());
    return Identity(std::move(impl));
}

NodeId Identity::id() const {
    return NodeId::of(impl_->pub);
}

Signature Identity::sign(ByteView message) const {
    Signature sig{};
    std::size_t len = sig.size();
    EVP_MD_CTX_reset(impl_->ctx.get());
    if (EVP_DigestSignInit(impl_->ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
        EVP_DigestSign(impl_->ctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
        throw IdentityError("signing failed: " + detail::openssl_error());
    return sig;
}

std::string Identity::public_key_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), impl_->key.get());
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

} // namespace mcast
