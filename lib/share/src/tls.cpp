// The TLS half of sharing: certificates from mcast identities, contexts for both ends, and the
// key checks that replace a certificate authority. RAII for every OpenSSL object.
#include <mcast/share/tls.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace mcast::share {

namespace ssl = boost::asio::ssl;

namespace {

struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

[[noreturn]] void fail(const std::string& what) {
    unsigned long e = ERR_get_error();
    char buf[256] = "unknown OpenSSL error";
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    throw TlsError(what + ": " + buf);
}

std::optional<PublicKeyBytes> ed25519_key_of_pkey(EVP_PKEY* pk) {
    if (!pk || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) return std::nullopt;
    PublicKeyBytes out{};
    std::size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(pk, out.data(), &len) != 1 || len != out.size()) {
        ERR_clear_error();
        return std::nullopt;
    }
    return out;
}

std::optional<PublicKeyBytes> ed25519_key_of(X509* cert) {
    if (!cert) return std::nullopt;
    return ed25519_key_of_pkey(X509_get0_pubkey(cert));
}

// A self-signed certificate over the node's key. Nobody checks its names, dates or signature:
// the peer judges the key, and TLS 1.3's CertificateVerify proves that the other end holds it.
// The subject names the node id so that a capture is readable.
X509Ptr self_signed(const TlsKey& self) {
    EVP_PKEY* key = self.get();
    X509Ptr cert(X509_new());
    if (!cert) fail("cannot make a certificate");
    std::uint64_t serial = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1)
        fail("cannot get random bytes");
    serial >>= 1; // a positive INTEGER
    auto cn = "mcast " + self.id().short_form();
    X509_NAME* name = X509_get_subject_name(cert.get());
    bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600) != nullptr &&
              X509_set_pubkey(cert.get(), key) == 1 &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                         reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                         0) == 1 &&
              X509_set_issuer_name(cert.get(), name) == 1 &&
              X509_sign(cert.get(), key, nullptr) > 0; // Ed25519 takes no digest
    if (!ok) fail("cannot make a self-signed certificate");
    return cert;
}

// Both ends: TLS 1.3 only, Ed25519 for every signature, no session tickets (each connection
// shows its key again), our certificate and key.
void configure(SSL_CTX* ctx, const TlsKey& self) {
    auto cert = self_signed(self);
    bool ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1 &&
              SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
              SSL_CTX_set1_sigalgs_list(ctx, "ed25519") == 1 &&
              SSL_CTX_set1_client_sigalgs_list(ctx, "ed25519") == 1 &&
              SSL_CTX_use_certificate(ctx, cert.get()) == 1 &&
              SSL_CTX_use_PrivateKey(ctx, self.get()) == 1 && SSL_CTX_check_private_key(ctx) == 1 &&
              SSL_CTX_set_num_tickets(ctx, 0) == 1;
    if (!ok) fail("cannot set up TLS");
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

// The server accepts any client that shows an Ed25519 certificate (its key is what counts);
// chain errors of a self-signed certificate do not matter.
int accept_ed25519_client(int, X509_STORE_CTX* store) {
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    return ed25519_key_of(X509_STORE_CTX_get_current_cert(store)) ? 1 : 0;
}

} // namespace

void TlsKey::Free::operator()(evp_pkey_st* p) const {
    EVP_PKEY_free(p);
}

TlsKey TlsKey::load(const std::filesystem::path& key_file) {
    auto identity = Identity::load(key_file); // every check of a key file; throws IdentityError
    std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(key_file.c_str(), "re"),
                                                    &std::fclose);
    if (!f) throw TlsError("cannot read '" + key_file.string() + "'");
    TlsKey out;
    out.key_.reset(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr), Free{});
    if (!out.key_) fail("cannot read '" + key_file.string() + "'");
    auto pub = ed25519_key_of_pkey(out.key_.get());
    if (!pub || *pub != identity.public_key())
        throw TlsError("'" + key_file.string() + "' changed while it was read");
    out.public_key_ = *pub;
    return out;
}

ssl::context make_server_context(const TlsKey& self) {
    ssl::context ctx(ssl::context::tls_server);
    configure(ctx.native_handle(), self);
    SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       accept_ed25519_client);
    return ctx;
}

ssl::context make_client_context(const TlsKey& self) {
    ssl::context ctx(ssl::context::tls_client);
    configure(ctx.native_handle(), self);
    // No trust anchors are loaded: without expect_server_key() every server is refused.
    SSL_CTX_set_verify(ctx.native_handle(), SSL_VERIFY_PEER, nullptr);
    return ctx;
}

std::function<bool(bool, ssl::verify_context&)> expect_server_key(const PublicKeyBytes& expected) {
    return [expected](bool, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        auto key = ed25519_key_of(X509_STORE_CTX_get_current_cert(store));
        return key && *key == expected;
    };
}

std::function<bool(bool, ssl::verify_context&)> expect_server_id(const NodeId& expected) {
    return [expected](bool, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        auto key = ed25519_key_of(X509_STORE_CTX_get_current_cert(store));
        return key && NodeId::of(*key) == expected;
    };
}

std::optional<PublicKeyBytes> peer_key(ssl_st* ssl) {
    return ed25519_key_of(SSL_get0_peer_certificate(ssl));
}

} // namespace mcast::share
