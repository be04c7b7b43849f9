// What the HTTPS server may serve: files of the catalogue, found by content hash or by share and
// path, opened so that nothing outside a share can be reached. The request handler knows only
// this interface; CatalogueFiles below serves the resident node's catalogue through it.
#pragma once

#include <mcast/block_tree.hpp>
#include <mcast/catalogue.hpp>
#include <mcast/identity.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mcast::share {

// An open file descriptor, closed when the last owner lets go.
class FileHandle {
public:
    explicit FileHandle(int fd) : fd_(fd) {}
    ~FileHandle();
    FileHandle(const FileHandle&) = delete;
    FileHandle& operator=(const FileHandle&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

// Who asks: the key of the client certificate (every mcast fetcher shows one) and its address.
struct Peer {
    std::optional<PublicKeyBytes> key;
    std::string address;
};

// A file ready to be served: the open file, the size and content hash the catalogue recorded.
struct ServedFile {
    std::shared_ptr<FileHandle> file;
    std::uint64_t size = 0;
    std::string root_hex; // the content hash (ETag)
    std::string content_type = "application/octet-stream";
};

// Looks files up for the request handler. nullopt means "not for this peer": no such file,
// a friends-only share and a stranger, a file that cannot be opened inside its share, all alike,
// so that a stranger learns nothing (404).
class FileProvider {
public:
    virtual ~FileProvider() = default;
    // `root_hex`: 64 lowercase hex digits.
    virtual std::optional<ServedFile> open_by_hash(std::string_view root_hex, const Peer& peer) = 0;
    // `segments`: the decoded path inside the share, each non-empty, never "." or "..", without
    // '/' or NUL (the handler refuses anything else before it asks).
    virtual std::optional<ServedFile> open_by_path(std::string_view share,
                                                   std::span<const std::string> segments,
                                                   const Peer& peer) = 0;
    // The block hashes of the file with this content hash (served at /m/ROOT).
    virtual std::optional<Manifest> manifest(std::string_view root_hex, const Peer& peer) = 0;
};

// Opens `relative` (no leading '/') below the directory `dir_fd` refers to, read-only, and
// refuses any path whose resolution leaves it, through "..", an absolute symbolic link or one
// that climbs out (openat2 RESOLVE_BENEATH, enforced by the kernel at open time, so a link
// swapped in after a check cannot win a race), and anything but a regular file. Returns the
// descriptor, or -1 with errno set (EXDEV for an escape, ELOOP, ENOENT, EISDIR…).
int open_beneath(int dir_fd, const std::string& relative);

// The provider over the resident node's catalogue (mcast/catalogue.hpp): only its entries are
// reachable, each opened with open_beneath() from its share's folder; friends-only shares only
// for keys `trusted` accepts. `current` gives the catalogue as last indexed (it may change
// between requests).
class CatalogueFiles : public FileProvider {
public:
    CatalogueFiles(std::function<std::shared_ptr<const Catalogue>()> current,
                   std::function<bool(const PublicKeyBytes&)> trusted);

    std::optional<ServedFile> open_by_hash(std::string_view root_hex, const Peer& peer) override;
    std::optional<ServedFile> open_by_path(std::string_view share,
                                           std::span<const std::string> segments,
                                           const Peer& peer) override;
    std::optional<Manifest> manifest(std::string_view root_hex, const Peer& peer) override;

private:
    const Share* share_for(const Catalogue& c, const CatalogueEntry& e, const Peer& peer) const;
    std::optional<ServedFile> open_entry(const Catalogue& c, const CatalogueEntry& e,
                                         const Peer& peer) const;

    std::function<std::shared_ptr<const Catalogue>()> current_;
    std::function<bool(const PublicKeyBytes&)> trusted_;
};

} // namespace mcast::share
