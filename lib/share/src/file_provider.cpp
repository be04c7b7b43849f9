// The plain catalogue provider and the kernel-enforced open below a share's folder.
#include <mcast/share/file_provider.hpp>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <system_error>
#include <unistd.h>

namespace mcast::share {

FileHandle::~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
}

int open_beneath(int dir_fd, const std::string& relative) {
    if (relative.empty() || relative.front() == '/' || relative.find('\0') != std::string::npos) {
        errno = EINVAL;
        return -1;
    }
    open_how how{};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, dir_fd, relative.c_str(), &how, sizeof how);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        ::close(static_cast<int>(fd));
        errno = e;
        return -1;
    }
    // Reads block from here on (O_NONBLOCK only kept a FIFO from stalling the open).
    ::fcntl(static_cast<int>(fd), F_SETFL, 0);
    return static_cast<int>(fd);
}

CatalogueFiles::CatalogueFiles(std::function<std::shared_ptr<const Catalogue>()> current,
                               std::function<bool(const PublicKeyBytes&)> trusted)
    : current_(std::move(current)), trusted_(std::move(trusted)) {}

const Share* CatalogueFiles::share_for(const Catalogue& c, const CatalogueEntry& e,
                                       const Peer& peer) const {
    for (const auto& s : c.shares()) {
        if (s.label != e.share) continue;
        if (s.friends_only && !(peer.key && trusted_ && trusted_(*peer.key))) return nullptr;
        return &s;
    }
    return nullptr;
}

std::optional<ServedFile> CatalogueFiles::open_entry(const Catalogue& c, const CatalogueEntry& e,
                                                     const Peer& peer) const {
    const Share* s = share_for(c, e, peer);
    if (!s) return std::nullopt;
    int dir = ::open(s->path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return std::nullopt;
    int fd = open_beneath(dir, e.path);
    ::close(dir);
    if (fd < 0) return std::nullopt;
    ServedFile f;
    f.file = std::make_shared<FileHandle>(fd);
    f.size = e.size;
    f.root_hex = digest_hex(e.manifest.root);
    return f;
}

std::optional<ServedFile> CatalogueFiles::open_by_hash(std::string_view root_hex,
                                                       const Peer& peer) {
    auto root = digest_from_hex(root_hex);
    auto c = current_ ? current_() : nullptr;
    if (!root || !c) return std::nullopt;
    for (const auto* e : c->find_root(*root))
        if (auto f = open_entry(*c, *e, peer)) return f;
    return std::nullopt;
}

std::optional<ServedFile> CatalogueFiles::open_by_path(std::string_view share,
                                                       std::span<const std::string> segments,
                                                       const Peer& peer) {
    auto c = current_ ? current_() : nullptr;
    if (!c) return std::nullopt;
    std::string path;
    for (const auto& s : segments) {
        if (!path.empty()) path += '/';
        path += s;
    }
    const auto* e = c->find(share, path);
    if (!e) return std::nullopt;
    return open_entry(*c, *e, peer);
}

std::optional<Manifest> CatalogueFiles::manifest(std::string_view root_hex, const Peer& peer) {
    auto root = digest_from_hex(root_hex);
    auto c = current_ ? current_() : nullptr;
    if (!root || !c) return std::nullopt;
    for (const auto* e : c->find_root(*root))
        if (share_for(*c, *e, peer)) return e->manifest;
    return std::nullopt;
}

} // namespace mcast::share
