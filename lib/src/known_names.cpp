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

std::optional<std::string> KnownNames::check(const std::string& name, const std::string& id,
                                             const std::string& now) {
    if (name.empty() || name.find_first_of("\t\n\r") != std::string::npos) return std::nullopt;
    auto it = std::find_if(names_.begin(), names_.end(),
                           [&](const KnownName& n) { return n.name == name; });
    if (it != names_.end()) {
        if (it->id == id) return std::nullopt;
        return it->id;
    }
    names_.insert(names_.begin(), {name, id, now});
    if (names_.size() > max_names) names_.pop_back();
    changed_ = true;
    return std::nullopt;
}

bool KnownNames::forget(const std::string& name) {
    auto n = std::erase_if(names_, [&](const KnownName& k) { return k.name == name; });
    changed_ = changed_ || n > 0;
    return n > 0;
}

} // namespace mcast
