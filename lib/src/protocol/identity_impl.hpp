// What identity.cpp (crypto) and key_file.cpp (files) share: the key pair's representation and
// OpenSSL error text.
#pragma once

#include "protocol/openssl_handles.hpp"

#include <mcast/identity.hpp>

#include <openssl/err.h>

#include <cstdio>
#include <string>

namespace mcast {

struct Identity::Impl {
    detail::PkeyPtr key;
    PublicKeyBytes pub{};
    detail::MdCtxPtr ctx{EVP_MD_CTX_new()};
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
