// The trust store: the friends of this node, as a readable text file (one per line: id, name,
// when added, note; tab-separated), written atomically. Parsing and lookups are plain functions;
// file access is in trust_file.cpp at the edge.
#pragma once

#include <mcast/export.hpp>
#include <mcast/identity.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcast {

struct Friend {
    std::string id;    // full id, 64 hex digits
    std::string name;  // the name it had when added
    std::string added; // RFC 3339 time
    std::string note;
    friend bool operator==(const Friend&, const Friend&) = default;
};

struct MCAST_API TrustError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class MCAST_API TrustStore {
public:
    // Parses the file format; throws TrustError naming the line for a malformed one.
    static TrustStore parse(std::string_view text, const std::string& origin = "trust");
    std::string format() const;

    // $XDG_CONFIG_HOME/mcast/trust, else ~/.config/mcast/trust.
    static std::filesystem::path default_path();
    // A missing file is an empty store.
    static TrustStore load(const std::filesystem::path& file);
    // Temporary file, fsync, rename, fsync of the directory: never half-written.
    void save(const std::filesystem::path& file) const;
    // Load, change, save under a lock (file.lock), so that two processes changing the store at
    // once (pair, trust add) both keep their change. Returns the store as saved.
    static TrustStore update(const std::filesystem::path& file,
                             const std::function<void(TrustStore&)>& change);

    const std::vector<Friend>& friends() const { return friends_; }
    bool trusts(const NodeId& id) const;
    const Friend* find(const std::string& full_id) const;
    // Friends whose id starts with `prefix` (hex, any case).
    std::vector<const Friend*> match_prefix(std::string_view prefix) const;
    // A friend that has `name` but another id: the name now comes with another key.
    const Friend* name_clash(std::string_view name, const std::string& full_id) const;

    // Adds or updates (name, note) a friend; false when it was there with the same data.
    bool add(Friend f);
    bool remove(const std::string& full_id);

private:
    std::vector<Friend> friends_;
};

} // namespace mcast
