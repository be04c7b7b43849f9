// See sha256.hpp.
#include "protocol/sha256.hpp"

#include "protocol/openssl_handles.hpp"

#include <memory>
#include <stdexcept>

namespace mcast::detail {

namespace {

struct MdFree {
    void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};

const EVP_MD* sha256_md() {
    static const std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    return md.get();
}

} // namespace

Sha256Digest sha256(std::initializer_list<ByteView> head, std::initializer_list<ByteView> tail) {
    thread_local MdCtxPtr ctx(EVP_MD_CTX_new());
    const EVP_MD* md = sha256_md();
    bool ok = ctx && md && EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1;
    for (auto parts : {head, tail})
        for (auto p : parts)
            ok = ok && (p.empty() || EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1);
    Sha256Digest out{};
    unsigned len = 0;
    if (!ok || EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1)
        throw std::runtime_error("SHA-256 failed");
    return out;
}

} // namespace mcast::detail
