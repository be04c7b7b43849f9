// The trust store's file: read whole, written atomically (temporary file, fsync, rename, fsync
// of the directory), so a kill at any moment leaves either the old or the new store.
#include "atomic_file.hpp"
#include <mcast/paths.hpp>

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
    return config_directory() / "trust";
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
    try {
        detail::write_atomically(file, format());
    } catch (const std::runtime_error& e) {
        throw TrustError(e.what());
    }
}

TrustStore TrustStore::update(const fs::path& file,
                              const std::function<void(TrustStore&)>& change) {
    try {
        detail::FileLock lock(file);
        auto store = load(file);
        change(store);
        store.save(file);
        return store;
    } catch (const TrustError&) {
        throw;
    } catch (const std::runtime_error& e) {
        throw TrustError(e.what());
    }
}

} // namespace mcast
