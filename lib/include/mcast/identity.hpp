// A node's identity: an Ed25519 key pair (OpenSSL), its fingerprint id, and the key file rules
// (PKCS#8 PEM, created atomically with mode 0600, refused when group or others can read it).
#pragma once

#include <mcast/bytes.hpp>
#include <mcast/drop_reason.hpp>
#include <mcast/export.hpp>

#include <array>
#include <compare>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace mcast {

inline constexpr std::size_t public_key_size = 32;
inline constexpr std::size_t signature_size = 64;

using PublicKeyBytes = std::array<std::uint8_t, public_key_size>;
using Signature = std::array<std::uint8_t, signature_size>;

// The id of a node: SHA-256 of its public key.
struct MCAST_API NodeId {
    std::array<std::uint8_t, 32> digest{};

    static NodeId of(const PublicKeyBytes& key);
    std::string full() const;       // 64 lowercase hex digits
    std::string short_form() const; // first 12 of them
    // True when `prefix` (hex, any case, at least 1 digit) is a prefix of full().
    bool matches_prefix(std::string_view prefix) const;
    friend bool operator==(const NodeId&, const NodeId&) = default;
    friend auto operator<=>(const NodeId&,
                            const NodeId&) = default; // a map key: std::map<NodeId, …>
};

// True when `prefix` (1-64 hex digits, any case) begins `full_id` (64 lowercase hex digits, as
// NodeId::full() writes it and the trust file stores it). The one prefix rule of every command
// that takes an id prefix.
MCAST_API bool id_has_prefix(std::string_view full_id, std::string_view prefix);

// Strict Ed25519, as libsodium's crypto_sign_verify_detached: the encodings a receiver refuses
// before it verifies (docs/protocol.md section 6, step 4). Plain RFC 8032 verification (OpenSSL)
// accepts a "signature" R = identity, S = 0 under a small-order key for any message.
// check_public_key: noncanonical_key (y >= p) or small_order_key; nullopt when acceptable.
MCAST_API std::optional<DropReason> check_public_key(const PublicKeyBytes& key);
// check_signature: noncanonical_r, small_order_r or noncanonical_s (S >= L) for the 64 bytes
// R || S at `signature`; nullopt when acceptable.
MCAST_API std::optional<DropReason> check_signature(const std::uint8_t* signature);

// Errors about key files; what() is one line that names the file.
struct MCAST_API IdentityError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Verifies signatures made by one public key; holds the parsed OpenSSL key so that repeated
// verifications skip parsing. Strict: a key or signature the checks above refuse never verifies.
class MCAST_API Verifier {
public:
    explicit Verifier(const PublicKeyBytes& key);
    ~Verifier();
    Verifier(Verifier&&) noexcept;
    Verifier& operator=(Verifier&&) noexcept;

    bool verify(ByteView message, const std::uint8_t* signature) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Not thread-safe: sign() reuses one OpenSSL context. Use one Identity (or clone()) per thread.
class MCAST_API Identity {
public:
    // A fresh random key.
    static Identity generate();
    // A key from its 32-byte RFC 8032 seed (test vectors, deterministic tests).
    static Identity from_seed(const std::array<std::uint8_t, 32>& seed);
    // Loads a PKCS#8 PEM key file. Throws IdentityError when it is missing, unreadable, not an
    // Ed25519 private key, or readable/writable by group or others.
    static Identity load(const std::filesystem::path& file);
    // Loads `file`, creating a new key there first when it does not exist.
    static Identity load_or_create(const std::filesystem::path& file, bool* created = nullptr);

    // Writes the key to `file` atomically (temporary file, fsync, rename) with mode 0600,
    // creating parent directories (mode 0700). Refuses to replace an existing file unless
    // `replace`; a replaced key is kept as FILE.old.
    void save(const std::filesystem::path& file, bool replace = false) const;

    // Another handle to the same key (for a second Session).
    Identity clone() const;

    const PublicKeyBytes& public_key() const;
    NodeId id() const;
    Signature sign(ByteView message) const;
    std::string public_key_pem() const;

    ~Identity();
    Identity(Identity&&) noexcept;
    Identity& operator=(Identity&&) noexcept;

private:
    struct Impl;
    explicit Identity(std::unique_ptr<Impl>);
    std::unique_ptr<Impl> impl_;
};

// The default key file: $MCAST_IDENTITY, else $XDG_CONFIG_HOME/mcast/identity.pem, else
// $HOME/.config/mcast/identity.pem.
MCAST_API std::filesystem::path default_identity_path();

MCAST_API std::string to_hex(ByteView bytes);
MCAST_API std::optional<ByteBuffer> from_hex(std::string_view hex);

} // namespace mcast

// An unordered_map key too: the digest is already uniformly distributed.
template <> struct std::hash<mcast::NodeId> {
    std::size_t operator()(const mcast::NodeId& id) const noexcept {
        std::size_t h = 0;
        for (std::size_t i = 0; i < sizeof h; ++i)
            h = (h << 8) | id.digest[i];
        return h;
    }
};
