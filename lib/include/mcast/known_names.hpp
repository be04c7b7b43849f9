// Names pinned to keys, as ssh's known_hosts pins host keys: the first key seen with a name is
// remembered, and a later node that announces the same name with another key is reported. A
// text file (name, id, first seen; tab-separated), bounded to the 1000 most recently seen names,
// written atomically.
#pragma once

#include <mcast/export.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mcast {

struct KnownName {
    std::string name, id, first_seen;
};

class MCAST_API KnownNames {
public:
    static constexpr std::size_t max_names = 1000;
    static constexpr std::size_t max_pins_per_key = 8;

    // $XDG_CONFIG_HOME/mcast/known_names, else ~/.config/mcast/known_names.
    static std::filesystem::path default_path();
    // A missing or unreadable file is empty; malformed lines are skipped (this is a cache).
    static KnownNames load(const std::filesystem::path& file);
    void save(const std::filesystem::path& file) const;
    // Load, change, save under a lock (file.lock): a discover saving its pins and a trust
    // forget at the same moment both keep their change.
    static void update(const std::filesystem::path& file,
                       const std::function<void(KnownNames&)>& change);

    // The id `name` was pinned to, when that is not `id`; nullopt when it matches or is new. A
    // new name is pinned to `id` (the most recent first; a name seen again moves to the front;
    // past max_pins_per_key the key's own oldest pin goes, past max_names the least recently
    // seen pin that is not kept).
    std::optional<std::string> check(const std::string& name, const std::string& id,
                                     const std::string& now);
    // Pins of ids for which this is true (friends) are never dropped to make room.
    void keep(std::function<bool(const std::string& id)> k) { keep_ = std::move(k); }
    // Unpins a name (after the user has checked the new key): true when it was there.
    bool forget(const std::string& name);
    bool changed() const { return changed_; }
    const std::vector<KnownName>& names() const { return names_; }

private:
    std::vector<KnownName> names_; // most recently pinned first
    bool changed_ = false;
    std::function<bool(const std::string&)> keep_;
};

} // namespace mcast
