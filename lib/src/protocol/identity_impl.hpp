// What identity.cpp (crypto) and key_file.cpp (files) share: the key pair's representation and
// OpenSSL error text. The key file is OpenSSL's (PKCS#8 PEM); signing uses libsodium's form of the
// same key (seed || public key), filled in by the Identity constructor from the EVP_PKEY.
#pragma once

#include "protocol/openssl_handles.hpp"

#include <mcast/identity.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mcast {

struct Identity::Impl {
    detail::PkeyPtr key;
    PublicKeyBytes pub{};
    std::array<std::uint8_t, 64> secret{}; // libsodium's secret key: seed || public key
    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() { OPENSSL_cleanse(secret.data(), secret.size()); }
};

namespace detail {

inline std::string openssl_error() {
    unsigned long e = ERR_get_error();
    if (!e) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};

} // namespace detail
} // namespace mcast
