// The trust store's file: read whole, written atomically (temporary file, fsync, rename, fsync
// of the directory), so a kill at any moment leaves either the old or the new store.
#include <mcast/trust_store.hpp>

#include <openssl/rand.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace mcast {

namespace fs = std::filesystem;

fs::path TrustStore::default_path() {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
        return fs::path(x) / "mcast" / "trust";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".config" / "mcast" / "trust";
}

TrustStore TrustStore::load(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        if (errno == ENOENT) return {};
        throw TrustError("trust store '" + file.string() + "': " + std::strerror(errno));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), file.string());
}

void TrustStore::save(const fs::path& file) const {
    auto dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    unsigned char rnd[8];
    RAND_bytes(rnd, sizeof rnd);
    char suffix[20];
    std::snprintf(suffix, sizeof suffix, ".tmp.%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
    auto tmp = file;
    tmp += suffix;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw TrustError("cannot write '" + tmp.string() + "': " + std::strerror(errno));
    auto text = format();
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw TrustError("cannot write '" + file.string() + "': " + std::strerror(e));
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace mcast
