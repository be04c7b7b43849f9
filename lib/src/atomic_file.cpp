// Atomic whole-file writes; see atomic_file.hpp.
#include "atomic_file.hpp"

#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mcast::detail {

namespace fs = std::filesystem;

void create_private_directories(const fs::path& dir) {
    // Each missing level is made 0700 (not 0755 under the usual umask): the config directory
    // holds the key, and it must never exist, even for a moment, readable by others.
    fs::path at;
    for (const auto& part : dir) {
        at /= part;
        if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST)
            return; // the open below names the file that cannot be written
    }
}

void write_atomically(const fs::path& file, std::string_view text) {
    auto dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    create_private_directories(dir);
    unsigned char rnd[8];
    RAND_bytes(rnd, sizeof rnd);
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, ".tmp.%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    auto tmp = file;
    tmp += suffix;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) // named by the file the user knows, not the temporary one
        throw std::runtime_error("cannot write '" + file.string() + "': " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write '" + file.string() + "': " + std::strerror(e));
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

FileLock::FileLock(const fs::path& file) {
    create_private_directories(file.parent_path().empty() ? fs::path(".") : file.parent_path());
    auto path = file;
    path += ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw std::runtime_error("cannot lock '" + file.string() + "': " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0)
        if (errno != EINTR) {
            int e = errno;
            ::close(fd_);
            throw std::runtime_error("cannot lock '" + file.string() + "': " + std::strerror(e));
        }
}

FileLock::~FileLock() {
    ::close(fd_); // releases the lock
}

} // namespace mcast::detail
