// TLS 1.3 for sharing, keyed by the nodes' own Ed25519 identities: each side shows a self-signed
// certificate made in memory from its mcast key, and each side judges the other by that key alone
// (no certificate authority, no trust on first use). The fetcher knows the server's key from the
// signed search answer; the server learns the fetcher's key and serves friends-only shares to
// friends alone.
#pragma once

#include <mcast/identity.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/verify_context.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

struct ssl_st;      // OpenSSL's SSL
struct evp_pkey_st; // OpenSSL's EVP_PKEY

namespace mcast::share {

// Thrown when OpenSSL cannot build a context or certificate; what() is one line.
struct TlsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The node's key as OpenSSL needs it for TLS. Identity keeps its private key to itself, so the
// key file is read twice: Identity::load() first, with every check of a key file (mode, owner,
// link, Ed25519, strict key), then OpenSSL's PEM reader, whose key must be the same (a file
// swapped in between is refused).
//   auto key = TlsKey::load(identity_path);
class TlsKey {
public:
    // Throws IdentityError as Identity::load() does, or TlsError.
    static TlsKey load(const std::filesystem::path& key_file);
    const PublicKeyBytes& public_key() const { return public_key_; }
    NodeId id() const { return NodeId::of(public_key_); }
    evp_pkey_st* get() const { return key_.get(); }

private:
    struct Free {
        void operator()(evp_pkey_st* p) const;
    };
    std::shared_ptr<evp_pkey_st> key_;
    PublicKeyBytes public_key_{};
};

// A server context: TLS 1.3 only, Ed25519 signatures only, the node's key in a self-signed
// certificate, a client certificate required (any Ed25519 key: who may read what is the
// request handler's business, through peer_key()).
boost::asio::ssl::context make_server_context(const TlsKey& self);

// A client context: TLS 1.3 only, Ed25519 only, the node's key as its client certificate. It
// accepts no server by itself: install expect_server_key() on each stream.
boost::asio::ssl::context make_client_context(const TlsKey& self);

// A verify callback for a client stream (stream.set_verify_callback(...)) that accepts the
// handshake only when the server's certificate carries exactly `expected`: an attacker on the
// path cannot show that key without its private half (TLS 1.3 CertificateVerify).
//   stream.set_verify_callback(expect_server_key(holder.key));
std::function<bool(bool, boost::asio::ssl::verify_context&)>
expect_server_key(const PublicKeyBytes& expected);
// The same by node id (the SHA-256 of the key, what a search result names).
std::function<bool(bool, boost::asio::ssl::verify_context&)>
expect_server_id(const NodeId& expected);

// The Ed25519 key of the peer's certificate after a handshake, or nullopt (no certificate, or
// not an Ed25519 key).
std::optional<PublicKeyBytes> peer_key(ssl_st* ssl);

} // namespace mcast::share
