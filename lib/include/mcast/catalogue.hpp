// What a resident node shares (docs/sharing.md): the shares a user added (`mcast share add`,
// kept in the shares file next to the trust file), and the catalogue of the files in them, each
// with its content hash (block_tree.hpp). The catalogue is what search answers from and what a
// transfer may serve: nothing outside it is reachable. Hashes are cached on disk by (path, size,
// mtime, ctime, inode), so a restart does not hash again.
#pragma once

#include <mcast/block_tree.hpp>
#include <mcast/export.hpp>
#include <mcast/search.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcast {

// A problem with the shares file or a share's path: what() is one line.
struct MCAST_API ShareError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One shared folder.
struct Share {
    std::string label;          // what searchers see ("films"); unique among the shares
    std::filesystem::path path; // absolute
    bool friends_only = false;  // only trusted nodes see it
    friend bool operator==(const Share&, const Share&) = default;
};

// The shares file: $XDG_CONFIG_HOME/mcast/shares (next to the trust file).
MCAST_API std::filesystem::path default_shares_path();
// The catalogue cache: $XDG_CACHE_HOME/mcast/catalogue, else ~/.cache/mcast/catalogue.
MCAST_API std::filesystem::path default_catalogue_cache_path();

// Reads the shares file (none: no shares). Throws ShareError for an unreadable or bad file.
MCAST_API std::vector<Share> load_shares(const std::filesystem::path& file);
// Changes the shares file under its lock and writes it atomically; returns the new list.
MCAST_API std::vector<Share> update_shares(const std::filesystem::path& file,
                                           const std::function<void(std::vector<Share>&)>& change);
// The share for `path` as `share add` makes it: the path made absolute and checked (an existing,
// readable directory; ShareError otherwise), the label defaulting to the folder's name.
MCAST_API Share make_share(const std::filesystem::path& path, const std::string& label,
                           bool friends_only);

// One catalogued file.
struct CatalogueEntry {
    std::string share;          // its share's label
    std::string path;           // relative to the share, '/'-separated, never "..", never absolute
    std::filesystem::path file; // where it is on this machine
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::string type; // media type (search.hpp)
    Manifest manifest;
};

// The cache's key: a file as it was when it was hashed. Size and mtime alone are not enough: a
// file replaced by other bytes of the same size with its mtime set back (`touch -r`, a copy or
// restore that keeps times) would keep its old hash. Its inode and ctime change then (ctime
// cannot be set back by anyone but the clock), so they are part of the key too.
struct HashKey {
    std::string file; // absolute path on this machine
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint64_t inode = 0;
    friend auto operator<=>(const HashKey&, const HashKey&) = default;
};
using HashCache = std::map<HashKey, Manifest>;

// The result of reading the cache: its entries, or a warning saying why it was not usable
// (corrupt, another format, an older version: rebuilt, never served); a missing file is an
// empty cache and no warning.
struct HashCacheLoad {
    HashCache entries;
    std::string warning;
};
MCAST_API HashCacheLoad load_hash_cache(const std::filesystem::path& file);
// Writes the cache atomically (a kill leaves the old one or the new one). Throws ShareError.
MCAST_API void save_hash_cache(const std::filesystem::path& file, const HashCache& cache);

// The files of every share: an immutable snapshot that the indexer replaces as a whole.
class MCAST_API Catalogue {
public:
    Catalogue() = default;
    Catalogue(std::vector<Share> shares, std::vector<CatalogueEntry> entries);

    const std::vector<Share>& shares() const { return shares_; }
    const std::vector<CatalogueEntry>& entries() const { return entries_; }
    // The entry at `path` in the share labelled `share`, or nullptr.
    const CatalogueEntry* find(std::string_view share, std::string_view path) const;
    // Every entry with this content hash.
    std::vector<const CatalogueEntry*> find_root(const Digest& root) const;
    // Files in a share, for `share list`.
    std::size_t files_in(std::string_view share) const;

    // The entries matching q that a querier may see (friends-only shares only when `trusted`),
    // at most `limit`, in share and path order; `truncated` is set when there were more.
    std::vector<SearchHit> search(const SearchQuery& q, bool trusted, std::size_t limit,
                                  bool& truncated) const;
    // What a streaming answer lists (docs/protocol.md section 13.4): the files `now` says are
    // being sent, one entry per content hash with its clients (fastest first, at most
    // max_serve_clients), named by the first catalogue entry with that hash that the querier
    // may see and that matches q; a hash no visible entry has is left out. In share and path
    // order, at most `limit`; `truncated` is set when there were more.
    std::vector<SearchServe> serving(const SearchQuery& q, bool trusted,
                                     const std::vector<Serving>& now, std::size_t limit,
                                     bool& truncated) const;

private:
    std::vector<Share> shares_;
    std::vector<CatalogueEntry> entries_; // sorted by (share, path)
};

// What one indexing pass did.
struct IndexStats {
    std::uint64_t files = 0;
    std::uint64_t hashed = 0;     // hashed now (new or changed)
    std::uint64_t from_cache = 0; // unchanged since they were hashed
    std::uint64_t skipped = 0;    // unreadable, changed while read, or links out of the share
    std::uint64_t bytes_hashed = 0;
};

// Walks every share and builds the catalogue, hashing only files the cache does not hold as they
// are (path, size, mtime, ctime, inode); `cache` is replaced by what this pass found. Symbolic
// links are followed only to regular files inside the same share; directories behind links are not
// entered. `keep_going` is asked between files (false: stop, nullopt returned).
MCAST_API std::optional<Catalogue> index_shares(const std::vector<Share>& shares, HashCache& cache,
                                                IndexStats& stats,
                                                const std::function<bool()>& keep_going = {});

} // namespace mcast
