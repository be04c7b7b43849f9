// Name pinning; see known_names.hpp.
#include "atomic_file.hpp"
#include <mcast/paths.hpp>

#include <mcast/known_names.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace mcast {

namespace fs = std::filesystem;

fs::path KnownNames::default_path() {
    return config_directory() / "known_names";
}

KnownNames KnownNames::load(const fs::path& file) {
    KnownNames k;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line) && k.names_.size() < max_names) {
        if (line.empty() || line[0] == '#') continue;
        auto a = line.find('\t'), b = line.find('\t', a == line.npos ? a : a + 1);
        if (a == line.npos || b == line.npos || b - a - 1 != 64) continue;
        k.names_.push_back({line.substr(0, a), line.substr(a + 1, 64), line.substr(b + 1)});
    }
    return k;
}

void KnownNames::save(const fs::path& file) const {
    std::string text = "# mcast known names: name, id, first seen (tab-separated)\n";
    for (const auto& n : names_)
        text += n.name + '\t' + n.id + '\t' + n.first_seen + '\n';
    detail::write_atomically(file, text);
}

void KnownNames::update(const fs::path& file, const std::function<void(KnownNames&)>& change) {
    detail::FileLock lock(file);
    auto k = load(file);
    change(k);
    if (k.changed()) k.save(file);
}

std::optional<std::string> KnownNames::check(const std::string& name, const std::string& id,
                                             const std::string& now) {
    if (name.empty() || name.find_first_of("\t\n\r") != std::string::npos) return std::nullopt;
    auto it = std::find_if(names_.begin(), names_.end(),
                           [&](const KnownName& n) { return n.name == name; });
    if (it != names_.end()) {
        if (it->id != id) return it->id;
        // Seen again: the most recent now, so that a flood of new names pushes out the names
        // nobody uses any more, not the ones seen every day.
        if (it != names_.begin()) {
            std::rotate(names_.begin(), it, std::next(it));
            changed_ = true;
        }
        return std::nullopt;
    }
    // One key holds at most max_pins_per_key names: a node that renames itself replaces its
    // own oldest pin instead of pushing out everyone else's.
    auto own =
        std::count_if(names_.begin(), names_.end(), [&](const KnownName& n) { return n.id == id; });
    if (static_cast<std::size_t>(own) >= max_pins_per_key) {
        auto oldest = std::find_if(names_.rbegin(), names_.rend(),
                                   [&](const KnownName& n) { return n.id == id; });
        names_.erase(std::next(oldest).base());
    }
    names_.insert(names_.begin(), {name, id, now});
    if (names_.size() > max_names) {
        // Past the bound the least recently seen pin goes, never a friend's.
        auto victim = std::find_if(names_.rbegin(), names_.rend(),
                                   [&](const KnownName& n) { return !keep_ || !keep_(n.id); });
        if (victim != names_.rend()) names_.erase(std::next(victim).base());
    }
    changed_ = true;
    return std::nullopt;
}

bool KnownNames::forget(const std::string& name) {
    auto n = std::erase_if(names_, [&](const KnownName& k) { return k.name == name; });
    changed_ = changed_ || n > 0;
    return n > 0;
}

} // namespace mcast
