// Trust store format and lookups; see trust_store.hpp.
#include <mcast/trust_store.hpp>
#include <mcast/tuple_codec.hpp>

#include <algorithm>
#include <cctype>

namespace mcast {

namespace {

bool is_full_id(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

bool clean(std::string_view s) {
    return std::none_of(s.begin(), s.end(),
                        [](char c) { return c == '\t' || c == '\n' || c == '\r'; });
}

std::vector<std::string> split_tabs(std::string_view line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto tab = line.find('\t', start);
        out.emplace_back(
            line.substr(start, tab == std::string_view::npos ? line.npos : tab - start));
        if (tab == std::string_view::npos) return out;
        start = tab + 1;
    }
}

} // namespace

TrustStore TrustStore::parse(std::string_view text, const std::string& origin) {
    TrustStore t;
    std::size_t n = 0, start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        auto line = text.substr(start, nl == text.npos ? text.npos : nl - start);
        start = nl == text.npos ? text.size() : nl + 1;
        ++n;
        if (line.empty() || line[0] == '#') continue;
        auto f = split_tabs(line);
        if (f.size() < 3 || f.size() > 4 || !is_full_id(f[0]) || !is_valid_utf8(line))
            throw TrustError(origin + ":" + std::to_string(n) +
                             ": expected ID<TAB>NAME<TAB>ADDED[<TAB>NOTE] with a 64-digit id");
        t.friends_.push_back({f[0], f[1], f[2], f.size() == 4 ? f[3] : ""});
    }
    return t;
}

std::string TrustStore::format() const {
    std::string out = "# mcast trust store: id, name, added, note (tab-separated). Edit with "
                      "'mcast trust'.\n";
    for (const auto& f : friends_) {
        out += f.id + '\t' + f.name + '\t' + f.added;
        if (!f.note.empty()) out += '\t' + f.note;
        out += '\n';
    }
    return out;
}

bool TrustStore::trusts(const NodeId& id) const {
    return find(id.full()) != nullptr;
}

const Friend* TrustStore::find(const std::string& full_id) const {
    for (const auto& f : friends_)
        if (f.id == full_id) return &f;
    return nullptr;
}

std::vector<const Friend*> TrustStore::match_prefix(std::string_view prefix) const {
    std::vector<const Friend*> out;
    for (const auto& f : friends_)
        if (id_has_prefix(f.id, prefix)) out.push_back(&f);
    return out;
}

const Friend* TrustStore::name_clash(std::string_view name, const std::string& full_id) const {
    for (const auto& f : friends_)
        if (!name.empty() && f.name == name && f.id != full_id) return &f;
    return nullptr;
}

bool TrustStore::add(Friend f) {
    if (!is_full_id(f.id)) throw TrustError("not a full node id: '" + f.id + "'");
    if (!clean(f.name) || !clean(f.note) || !clean(f.added))
        throw TrustError("names and notes cannot hold tabs or line breaks");
    for (auto& g : friends_) {
        if (g.id != f.id) continue;
        if (g.name == f.name && g.note == f.note) return false;
        g.name = f.name;
        g.note = f.note;
        return true;
    }
    friends_.push_back(std::move(f));
    return true;
}

bool TrustStore::remove(const std::string& full_id) {
    return std::erase_if(friends_, [&](const Friend& f) { return f.id == full_id; }) > 0;
}

} // namespace mcast
