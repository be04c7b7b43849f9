// The shares file, the hash cache and the walk that builds the catalogue (catalogue.hpp).
//
// Shares file: one JSON object per line, {"label","path","friends_only"}. Hash cache: a first
// line "mcast-catalogue-v2", one JSON object per file {"file","size","mtime_ns","ctime_ns",
// "inode","block_size","blocks": hex, "root": hex}, and a last line "end COUNT SHA256" over every
// byte before it. A cache that fails any check (format, checksum, an entry whose root is not the
// root of its blocks) is dropped whole with a warning and rebuilt: it is never served. So is a
// cache of version 1, keyed by size and mtime alone, which could hold the hash of a file since
// replaced by one of the same size and mtime.
#include "atomic_file.hpp"

#include <mcast/catalogue.hpp>
#include <mcast/identity.hpp>
#include <mcast/paths.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

namespace mcast {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view cache_magic = "mcast-catalogue-v2";
constexpr std::string_view cache_magic_v1 = "mcast-catalogue-v1";

std::int64_t nanoseconds(const struct timespec& t) {
    return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

std::optional<std::string> read_whole(const fs::path& file, std::string& error) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (errno != ENOENT) error = std::strerror(errno);
        return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string format_shares(const std::vector<Share>& shares) {
    std::string out;
    for (const auto& s : shares)
        out +=
            json::serialize(json::object{
                {"label", s.label}, {"path", s.path.string()}, {"friends_only", s.friends_only}}) +
            "\n";
    return out;
}

// True when `p` (canonical) is `root` (canonical) or below it.
bool inside(const fs::path& p, const fs::path& root) {
    auto r = root.begin(), i = p.begin();
    for (; r != root.end(); ++r, ++i)
        if (i == p.end() || *i != *r) return false;
    return true;
}

std::optional<Manifest> hash_file(const fs::path& file, std::uint64_t size, std::uint64_t& bytes) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ELOOP) fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    BlockHasher h(size);
    std::vector<std::uint8_t> buf(1 << 20);
    ssize_t n;
    while ((n = ::read(fd, buf.data(), buf.size())) > 0) {
        h.update(ByteView(buf.data(), static_cast<std::size_t>(n)));
        bytes += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    if (n < 0) return std::nullopt;
    return h.finish(); // nothing when the file grew or shrank while read
}

} // namespace

fs::path default_shares_path() {
    return config_directory() / "shares";
}

fs::path default_catalogue_cache_path() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
        return fs::path(x) / "mcast" / "catalogue";
    return home_directory() / ".cache" / "mcast" / "catalogue";
}

std::vector<Share> load_shares(const fs::path& file) {
    std::string error;
    auto text = read_whole(file, error);
    if (!text) {
        if (error.empty()) return {};
        throw ShareError(fmt::format("shares file '{}': {}", file.string(), error));
    }
    std::vector<Share> shares;
    std::istringstream lines(*text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
        if (line.empty()) continue;
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
        const json::value *label = o ? o->if_contains("label") : nullptr,
                          *path = o ? o->if_contains("path") : nullptr,
                          *fo = o ? o->if_contains("friends_only") : nullptr;
        if (!label || !label->is_string() || !path || !path->is_string() || !fo || !fo->is_bool())
            throw ShareError(
                fmt::format("shares file '{}', line {}: not a share", file.string(), n));
        shares.push_back(
            {std::string(label->as_string()), std::string(path->as_string()), fo->as_bool()});
    }
    return shares;
}

std::vector<Share> update_shares(const fs::path& file,
                                 const std::function<void(std::vector<Share>&)>& change) {
    try {
        detail::FileLock lock(file);
        auto shares = load_shares(file);
        change(shares);
        detail::write_atomically(file, format_shares(shares));
        return shares;
    } catch (const ShareError&) {
        throw;
    } catch (const std::runtime_error& e) {
        throw ShareError(e.what());
    }
}

Share make_share(const fs::path& path, const std::string& label, bool friends_only) {
    std::error_code ec;
    auto abs = fs::absolute(path, ec);
    if (!ec) abs = fs::weakly_canonical(abs, ec);
    auto st = fs::status(abs, ec);
    if (ec || !fs::exists(st))
        throw ShareError(fmt::format("'{}': no such directory", path.string()));
    if (!fs::is_directory(st))
        throw ShareError(fmt::format("'{}': not a directory", path.string()));
    if (::access(abs.c_str(), R_OK | X_OK) != 0)
        throw ShareError(fmt::format("'{}': {}", path.string(), std::strerror(errno)));
    Share s{label, abs, friends_only};
    if (s.label.empty()) s.label = abs.filename().string();
    if (s.label.empty()) s.label = "root";
    if (s.label.size() > 64 || s.label.find('/') != std::string::npos)
        throw ShareError(fmt::format("label '{}': at most 64 bytes, without '/'", s.label));
    return s;
}

HashCacheLoad load_hash_cache(const fs::path& file) {
    HashCacheLoad r;
    std::string error;
    auto text = read_whole(file, error);
    if (!text) {
        if (!error.empty())
            r.warning =
                fmt::format("catalogue cache '{}': {}; hashing again", file.string(), error);
        return r;
    }
    auto bad = [&](std::string_view why) {
        r.entries.clear();
        r.warning =
            fmt::format("catalogue cache '{}' is corrupt ({}); hashing again", file.string(), why);
        return r;
    };
    auto end = text->rfind("\nend ");
    if (text->compare(0, cache_magic_v1.size() + 1, std::string(cache_magic_v1) + "\n") == 0) {
        r.warning = fmt::format("catalogue cache '{}' is of an older version, keyed by size and "
                                "mtime alone; hashing again",
                                file.string());
        return r;
    }
    if (text->compare(0, cache_magic.size() + 1, std::string(cache_magic) + "\n") != 0)
        return bad("not a catalogue cache");
    if (end == std::string::npos) return bad("no end line");
    std::size_t count = 0;
    char digest_hex_text[65] = {};
    if (std::sscanf(text->c_str() + end + 1, "end %zu %64s", &count, digest_hex_text) != 2)
        return bad("bad end line");
    auto body = std::string_view(*text).substr(0, end + 1);
    if (digest_hex(sha256(ByteView(reinterpret_cast<const std::uint8_t*>(body.data()),
                                   body.size()))) != digest_hex_text)
        return bad("checksum");
    std::istringstream lines{std::string(body.substr(cache_magic.size() + 1))};
    std::string line;
    while (std::getline(lines, line)) {
        boost::system::error_code ec;
        auto v = json::parse(line, ec);
        if (ec || !v.is_object()) return bad("bad entry");
        const auto& o = v.as_object();
        auto str = [&](const char* k) -> std::optional<std::string> {
            auto p = o.if_contains(k);
            if (!p || !p->is_string()) return std::nullopt;
            return std::string(p->as_string());
        };
        auto num = [&](const char* k) -> std::optional<std::int64_t> {
            auto p = o.if_contains(k);
            if (!p || !p->is_int64()) return std::nullopt;
            return p->as_int64();
        };
        auto f = str("file");
        auto size = num("size"), mtime = num("mtime_ns"), ctime = num("ctime_ns"),
             inode = num("inode"), bs = num("block_size");
        auto blocks = str("blocks");
        auto root = str("root");
        if (!f || !size || *size < 0 || !mtime || !ctime || !inode || *inode < 0 || !bs ||
            *bs <= 0 || *bs > max_block_size || !blocks || !root)
            return bad("bad entry");
        Manifest m;
        m.size = static_cast<std::uint64_t>(*size);
        m.block_size = static_cast<std::uint32_t>(*bs);
        auto raw = from_hex(*blocks);
        auto rd = digest_from_hex(*root);
        if (!raw || raw->size() % 32 || !rd) return bad("bad entry");
        for (std::size_t i = 0; i < raw->size(); i += 32) {
            Digest d;
            std::copy_n(raw->begin() + static_cast<std::ptrdiff_t>(i), 32, d.begin());
            m.blocks.push_back(d);
        }
        m.root = *rd;
        if (!m.consistent()) return bad("an entry's root does not match its blocks");
        r.entries[{*f, m.size, *mtime, *ctime, static_cast<std::uint64_t>(*inode)}] = std::move(m);
    }
    if (r.entries.size() != count) return bad("entry count");
    return r;
}

void save_hash_cache(const fs::path& file, const HashCache& cache) {
    std::string out = std::string(cache_magic) + "\n";
    for (const auto& [k, m] : cache) {
        ByteBuffer raw;
        raw.reserve(m.blocks.size() * 32);
        for (const auto& d : m.blocks)
            raw.insert(raw.end(), d.begin(), d.end());
        out += json::serialize(json::object{{"file", k.file},
                                            {"size", static_cast<std::int64_t>(k.size)},
                                            {"mtime_ns", k.mtime_ns},
                                            {"ctime_ns", k.ctime_ns},
                                            {"inode", static_cast<std::int64_t>(k.inode)},
                                            {"block_size", m.block_size},
                                            {"blocks", to_hex(raw)},
                                            {"root", digest_hex(m.root)}}) +
               "\n";
    }
    auto sum = sha256(ByteView(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
    out += fmt::format("end {} {}\n", cache.size(), digest_hex(sum));
    try {
        detail::write_atomically(file, out);
    } catch (const std::runtime_error& e) {
        throw ShareError(e.what());
    }
}

Catalogue::Catalogue(std::vector<Share> shares, std::vector<CatalogueEntry> entries)
    : shares_(std::move(shares)), entries_(std::move(entries)) {
    std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return std::tie(a.share, a.path) < std::tie(b.share, b.path);
    });
}

const CatalogueEntry* Catalogue::find(std::string_view share, std::string_view path) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), std::pair(share, path),
                               [](const CatalogueEntry& e, const auto& k) {
                                   return std::pair<std::string_view, std::string_view>(e.share,
                                                                                        e.path) < k;
                               });
    return it != entries_.end() && it->share == share && it->path == path ? &*it : nullptr;
}

std::vector<const CatalogueEntry*> Catalogue::find_root(const Digest& root) const {
    std::vector<const CatalogueEntry*> out;
    for (const auto& e : entries_)
        if (e.manifest.root == root) out.push_back(&e);
    return out;
}

std::size_t Catalogue::files_in(std::string_view share) const {
    return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                  [&](const auto& e) { return e.share == share; }));
}

std::vector<SearchHit> Catalogue::search(const SearchQuery& q, bool trusted, std::size_t limit,
                                         bool& truncated) const {
    std::vector<SearchHit> hits;
    truncated = false;
    std::map<std::string, bool, std::less<>> visible;
    for (const auto& s : shares_)
        visible[s.label] = trusted || !s.friends_only;
    for (const auto& e : entries_) {
        auto v = visible.find(e.share);
        if (v == visible.end() || !v->second || !search_matches(q, e.path, e.size, e.type))
            continue;
        if (hits.size() == limit) {
            truncated = true;
            break;
        }
        hits.push_back({e.share, e.path, e.size, e.mtime_ns / 1'000'000'000, e.type,
                        e.manifest.root, e.manifest.block_size});
    }
    return hits;
}

std::vector<SearchServe> Catalogue::serving(const SearchQuery& q, bool trusted,
                                            const std::vector<Serving>& now, std::size_t limit,
                                            bool& truncated) const {
    truncated = false;
    std::map<Digest, std::vector<ServeClient>> by_root;
    for (const auto& s : now)
        by_root[s.root].push_back(s.client);
    std::map<std::string, bool, std::less<>> visible;
    for (const auto& s : shares_)
        visible[s.label] = trusted || !s.friends_only;
    std::vector<SearchServe> out;
    for (auto& [root, clients] : by_root) {
        for (const auto* e : find_root(root)) {
            auto v = visible.find(e->share);
            if (v == visible.end() || !v->second || !search_matches(q, e->path, e->size, e->type))
                continue;
            std::stable_sort(clients.begin(), clients.end(),
                             [](const auto& a, const auto& b) { return a.rate_bps > b.rate_bps; });
            if (clients.size() > max_serve_clients) clients.resize(max_serve_clients);
            out.push_back({e->share, e->path, e->size, e->type, root, std::move(clients)});
            break;
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.share, a.path) < std::tie(b.share, b.path);
    });
    if (out.size() > limit) {
        out.resize(limit);
        truncated = true;
    }
    return out;
}

std::optional<Catalogue> index_shares(const std::vector<Share>& shares, HashCache& cache,
                                      IndexStats& stats, const std::function<bool()>& keep_going) {
    HashCache next;
    std::vector<CatalogueEntry> entries;
    for (const auto& share : shares) {
        std::error_code ec;
        auto root = fs::canonical(share.path, ec);
        if (ec) continue; // gone or unreadable now: nothing of it is shared
        fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied,
                                            ec),
            end;
        for (; !ec && it != end; it.increment(ec)) {
            if (keep_going && !keep_going()) return std::nullopt;
            const auto& de = *it;
            std::error_code e2;
            fs::path file = de.path();
            if (de.is_symlink(e2)) {
                // Only to a regular file inside this share; never a way out of it.
                auto target = fs::canonical(file, e2);
                if (e2 || !inside(target, root) || !fs::is_regular_file(target, e2)) {
                    ++stats.skipped;
                    continue;
                }
            } else if (!de.is_regular_file(e2)) {
                continue;
            }
            struct stat st {};
            if (::stat(file.c_str(), &st) != 0) {
                ++stats.skipped;
                continue;
            }
            auto rel = file.lexically_relative(root).generic_string();
            if (rel.empty() || rel.size() > max_search_string_bytes) {
                ++stats.skipped;
                continue;
            }
            HashKey key{file.string(), static_cast<std::uint64_t>(st.st_size),
                        nanoseconds(st.st_mtim), nanoseconds(st.st_ctim),
                        static_cast<std::uint64_t>(st.st_ino)};
            std::optional<Manifest> m;
            if (auto c = cache.find(key); c != cache.end()) {
                m = c->second;
                ++stats.from_cache;
            } else {
                m = hash_file(file, key.size, stats.bytes_hashed);
                struct stat after {};
                if (m && (::stat(file.c_str(), &after) != 0 || after.st_size != st.st_size ||
                          nanoseconds(after.st_mtim) != key.mtime_ns ||
                          nanoseconds(after.st_ctim) != key.ctime_ns || after.st_ino != st.st_ino))
                    m.reset(); // written to (or replaced) while hashed
                if (!m) {
                    ++stats.skipped; // unreadable, or changed while read: the next pass tries
                    continue;
                }
                ++stats.hashed;
            }
            ++stats.files;
            next[key] = *m;
            entries.push_back({share.label, rel, file, key.size, key.mtime_ns, media_type_of(rel),
                               std::move(*m)});
        }
    }
    cache = std::move(next);
    return Catalogue(shares, std::move(entries));
}

} // namespace mcast
