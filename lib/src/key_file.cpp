// Key files: the file-system half of Identity, kept out of the sans-IO protocol core. PKCS#8
// PEM, mode 0600, written atomically, refused when others can read it, never silently replaced.
#include "protocol/identity_impl.hpp"
#include <mcast/paths.hpp>

#include "atomic_file.hpp"

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
using detail::FileCloser;
using detail::openssl_error;

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
    try {
        return Identity(std::move(impl));
    } catch (const IdentityError& e) {
        throw fail(e.what()); // a key receivers refuse (strict Ed25519): named with its file
    }
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
        detail::create_private_directories(dir);
        if (!fs::is_directory(dir, ec))
            throw IdentityError("cannot create '" + dir.string() + "': " + std::strerror(errno));
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

fs::path default_identity_path() {
    if (const char* e = std::getenv("MCAST_IDENTITY"); e && *e) return e;
    return config_directory() / "identity.pem";
}

} // namespace mcast
