// RAII owners for the OpenSSL objects the library uses; no naked frees anywhere else.
#pragma once

#include <openssl/evp.h>

#include <memory>

namespace mcast::detail {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

} // namespace mcast::detail
