// What the HTTPS server may serve: files of the catalogue, found by content hash or by share and
// path, opened so that nothing outside a share can be reached. The request handler knows only
// this interface; the catalogue implements it (CatalogueFiles below is the plain one: a list of
// entries and the share folders they live in).
#pragma once

#include <mcast/identity.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
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
};

// Opens `relative` (no leading '/') below the directory `dir_fd` refers to, read-only, and
// refuses any path whose resolution leaves it, through "..", an absolute symbolic link or one
// that climbs out (openat2 RESOLVE_BENEATH, enforced by the kernel at open time, so a link
// swapped in after a check cannot win a race), and anything but a regular file. Returns the
// descriptor, or -1 with errno set (EXDEV for an escape, ELOOP, ENOENT, EISDIR…).
int open_beneath(int dir_fd, const std::string& relative);

// The plain provider: shares (a label, a folder, friends-only or not), the catalogue's entries
// in them, and the trust store's keys for friends-only shares. Only listed entries are
// reachable, and each is opened with open_beneath() from its share's folder.
class CatalogueFiles : public FileProvider {
public:
    struct Entry {
        std::string share; // label
        std::string path;  // relative, '/'-separated
        std::uint64_t size = 0;
        std::string root_hex; // content hash
    };

    CatalogueFiles() = default;
    ~CatalogueFiles() override;
    CatalogueFiles(const CatalogueFiles&) = delete;
    CatalogueFiles& operator=(const CatalogueFiles&) = delete;

    // Throws std::system_error when the folder cannot be opened.
    void add_share(const std::string& label, const std::filesystem::path& folder,
                   bool friends_only = false);
    void add_entry(Entry entry);
    void set_friends(std::vector<PublicKeyBytes> keys) { friends_ = std::move(keys); }

    std::optional<ServedFile> open_by_hash(std::string_view root_hex, const Peer& peer) override;
    std::optional<ServedFile> open_by_path(std::string_view share,
                                           std::span<const std::string> segments,
                                           const Peer& peer) override;

private:
    struct Share {
        int dir_fd = -1;
        bool friends_only = false;
    };
    std::optional<ServedFile> open_entry(const Entry& e, const Peer& peer);
    bool allowed(const Share& s, const Peer& peer) const;

    std::map<std::string, Share, std::less<>> shares_;
    std::vector<Entry> entries_;
    std::vector<PublicKeyBytes> friends_;
};

} // namespace mcast::share
