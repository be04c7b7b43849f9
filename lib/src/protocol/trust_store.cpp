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

// The ids of every key encoding that receivers refuse (check_public_key): the y of each point
// of small order and every y >= p, each with both signs of x. A friend with such an id could
// only be "heard" through forgeries, so the store refuses it.
const std::vector<std::string>& refused_ids() {
    static const std::vector<std::string> ids = [] {
        std::vector<PublicKeyBytes> candidates;
        auto with_low = [](std::uint8_t low, std::uint8_t fill, std::uint8_t top) {
            PublicKeyBytes k;
            k.fill(fill);
            k[0] = low;
            k[31] = top;
            return k;
        };
        candidates.push_back(with_low(0, 0, 0)); // y = 0
        candidates.push_back(with_low(1, 0, 0)); // y = 1
        for (int low = 0xec; low <= 0xff; ++low) // y = p - 1 .. 2^255 - 1
            candidates.push_back(with_low(static_cast<std::uint8_t>(low), 0xff, 0x7f));
        for (const char* hex :
             {"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
              "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"}) {
            auto b = from_hex(hex);
            PublicKeyBytes k;
            std::copy(b->begin(), b->end(), k.begin());
            candidates.push_back(k);
        }
        std::vector<std::string> out;
        for (auto k : candidates)
            for (int sign = 0; sign < 2; ++sign) {
                k[31] = static_cast<std::uint8_t>((k[31] & 0x7f) | (sign << 7));
                if (check_public_key(k)) out.push_back(NodeId::of(k).full());
            }
        return out;
    }();
    return ids;
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
    if (std::find(refused_ids().begin(), refused_ids().end(), f.id) != refused_ids().end())
        throw TrustError("refused: '" + f.id.substr(0, 12) +
                         "' is the id of a key receivers refuse (small order or not canonical)");
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
