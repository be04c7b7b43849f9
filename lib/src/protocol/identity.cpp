// Ed25519 identities on OpenSSL 3, and the key file rules: PKCS#8 PEM, mode 0600, written
// atomically, refused when others can read it, never silently replaced.
#include "protocol/openssl_handles.hpp"

#include <mcast/identity.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mcast {

namespace fs = std::filesystem;
using detail::MdCtxPtr;
using detail::PkeyPtr;

namespace {

std::string openssl_error() {
    unsigned long e = ERR_get_error();
    if (!e) return "unknown OpenSSL error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

PublicKeyBytes raw_public(EVP_PKEY* k) {
    PublicKeyBytes out{};
    std::size_t len = out.size();
    if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1 || len != out.size())
        throw IdentityError("cannot read Ed25519 public key: " + openssl_error());
    return out;
}

struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};

} // namespace

struct Identity::Impl {
    PkeyPtr key;
    PublicKeyBytes pub{};
    MdCtxPtr ctx{EVP_MD_CTX_new()};
};

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
        throw IdentityError("cannot get random bytes: " + openssl_error());
    auto id = from_seed(seed);
    OPENSSL_cleanse(seed.data(), seed.size());
    return id;
}

Identity Identity::from_seed(const std::array<std::uint8_t, 32>& seed) {
    auto impl = std::make_unique<Impl>();
    impl->key.reset(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    if (!impl->key) throw IdentityError("cannot create Ed25519 key: " + openssl_error());
    return Identity(std::move(impl));
}

Identity Identity::load(const fs::path& file) {
    auto fail = [&](const std::string& why) {
        return IdentityError("identity file '" + file.string() + "': " + why);
    };
    // Open first, then check what was opened: no window between the check and the read, and
    // a symlink planted in place of the key is not followed.
    int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw fail(errno == ELOOP ? "is a symbolic link" : std::strerror(errno));
    std::unique_ptr<FILE, FileCloser> f(::fdopen(fd, "r"));
    if (!f) {
        ::close(fd);
        throw fail(std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw fail(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw fail("not a regular file");
    if (st.st_uid != ::geteuid()) throw fail("owned by another user");
    if (st.st_mode & 077) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        throw IdentityError("identity file '" + file.string() + "' is accessible by others (mode " +
                            mode + "); run: chmod 600 '" + file.string() + "'");
    }
    auto impl = std::make_unique<Impl>();
    impl->key.reset(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
    if (!impl->key) {
        ERR_clear_error();
        throw fail("not a PEM private key (corrupt?)");
    }
    if (EVP_PKEY_get_id(impl->key.get()) != EVP_PKEY_ED25519) throw fail("not an Ed25519 key");
    return Identity(std::move(impl));
}

Identity Identity::load_or_create(const fs::path& file, bool* created) {
    if (created) *created = false;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        auto id = generate();
        try {
            id.save(file, false);
            if (created) *created = true;
        } catch (const IdentityError&) {
            // Lost a race with another process creating the same file: use theirs.
            if (!fs::exists(file, ec)) throw;
        }
    }
    return load(file);
}

void Identity::save(const fs::path& file, bool replace) const {
    auto dir = file.parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) throw IdentityError("cannot create '" + dir.string() + "': " + ec.message());
        ::chmod(dir.c_str(), 0700);
    }
    if (!replace && fs::exists(file, ec))
        throw IdentityError("identity file '" + file.string() +
                            "' already exists (use --force to replace it)");

    std::array<std::uint8_t, 8> rnd{};
    RAND_bytes(rnd.data(), static_cast<int>(rnd.size()));
    auto tmp = file;
    tmp += ".tmp." + to_hex(rnd);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw IdentityError("cannot create '" + tmp.string() + "': " + std::strerror(errno));
    std::unique_ptr<FILE, FileCloser> f(::fdopen(fd, "w"));
    if (!f) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw IdentityError("cannot write '" + tmp.string() + "'");
    }
    bool ok =
        PEM_write_PrivateKey(f.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    ok = ok && std::fflush(f.get()) == 0 && ::fsync(fd) == 0;
    f.reset();
    if (!ok) {
        ::unlink(tmp.c_str());
        throw IdentityError("cannot write '" + tmp.string() + "': " + openssl_error());
    }
    if (replace && fs::exists(file, ec)) {
        // Keep the old key under a free name (never overwrite an earlier one), then swap the
        // new one in with rename(): the key file exists at every instant.
        auto old = file;
        old += ".old";
        for (int n = 1; fs::exists(old, ec); ++n) {
            old = file;
            old += ".old." + std::to_string(n);
        }
        if (::link(file.c_str(), old.c_str()) != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
            int e = errno;
            ::unlink(tmp.c_str());
            throw IdentityError("cannot replace '" + file.string() + "': " + std::strerror(e));
        }
    } else {
        // link() fails if the file appeared meanwhile: a concurrent creator's key is never lost.
        if (::link(tmp.c_str(), file.c_str()) != 0) {
            int e = errno;
            ::unlink(tmp.c_str());
            throw IdentityError("cannot create '" + file.string() + "': " + std::strerror(e));
        }
        ::unlink(tmp.c_str());
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

const PublicKeyBytes& Identity::public_key() const {
    return impl_->pub;
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
        throw IdentityError("signing failed: " + openssl_error());
    return sig;
}

std::string Identity::public_key_pem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), impl_->key.get());
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

fs::path default_identity_path() {
    if (const char* e = std::getenv("MCAST_IDENTITY"); e && *e) return e;
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
        return fs::path(x) / "mcast" / "identity.pem";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".config" / "mcast" / "identity.pem";
}

} // namespace mcast
