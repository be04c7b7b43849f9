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

CatalogueFiles::~CatalogueFiles() {
    for (auto& [label, s] : shares_)
        if (s.dir_fd >= 0) ::close(s.dir_fd);
}

void CatalogueFiles::add_share(const std::string& label, const std::filesystem::path& folder,
                               bool friends_only) {
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(), "share '" + folder.string() + "'");
    auto [it, fresh] = shares_.try_emplace(label, Share{fd, friends_only});
    if (!fresh) {
        ::close(it->second.dir_fd);
        it->second = Share{fd, friends_only};
    }
}

void CatalogueFiles::add_entry(Entry entry) {
    entries_.push_back(std::move(entry));
}

bool CatalogueFiles::allowed(const Share& s, const Peer& peer) const {
    if (!s.friends_only) return true;
    return peer.key && std::find(friends_.begin(), friends_.end(), *peer.key) != friends_.end();
}

std::optional<ServedFile> CatalogueFiles::open_entry(const Entry& e, const Peer& peer) {
    auto s = shares_.find(e.share);
    if (s == shares_.end() || !allowed(s->second, peer)) return std::nullopt;
    int fd = open_beneath(s->second.dir_fd, e.path);
    if (fd < 0) return std::nullopt;
    ServedFile f;
    f.file = std::make_shared<FileHandle>(fd);
    f.size = e.size;
    f.root_hex = e.root_hex;
    return f;
}

std::optional<ServedFile> CatalogueFiles::open_by_hash(std::string_view root_hex,
                                                       const Peer& peer) {
    for (const auto& e : entries_)
        if (e.root_hex == root_hex)
            if (auto f = open_entry(e, peer)) return f;
    return std::nullopt;
}

std::optional<ServedFile> CatalogueFiles::open_by_path(std::string_view share,
                                                       std::span<const std::string> segments,
                                                       const Peer& peer) {
    std::string path;
    for (const auto& s : segments) {
        if (!path.empty()) path += '/';
        path += s;
    }
    for (const auto& e : entries_)
        if (e.share == share && e.path == path) return open_entry(e, peer);
    return std::nullopt;
}

} // namespace mcast::share
