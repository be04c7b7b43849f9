// Ed25519 identities on OpenSSL 3: key generation, signing, verification. No files here; key
// files are in key_file.cpp, outside the sans-IO core.
#include "protocol/identity_impl.hpp"

#include <mcast/identity.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

namespace mcast {

using detail::MdCtxPtr;
using detail::PkeyPtr;

namespace {

PublicKeyBytes raw_public(EVP_PKEY* k) {
    PublicKeyBytes out{};
    std::size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1 || len != out.size())
        throw IdentityError("cannot read Ed25519 public key: " + detail::openssl_error());
    return out;
}

} // namespace

struct Verifier::Impl {
    PkeyPtr key;
    MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Verifier::Verifier(const PublicKeyBytes& key) : impl_(std::make_unique<Impl>()) {
    impl_->key.reset(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
    // An invalid point leaves key null: verify() then always fails, which is the right answer.
    ERR_clear_error();
}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

bool Verifier::verify(ByteView message, const std::uint8_t* signature) const {
    if (!impl_->key || !impl_->ctx) return false;
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
