// Search query and answer tuples, the matcher and media types (search.hpp, docs/protocol.md 13).
#include "protocol/tuple_fields.hpp"

#include <mcast/search.hpp>
#include <mcast/tuple_codec.hpp>

#include <algorithm>
#include <cctype>
#include <map>

namespace mcast {

namespace {

char fold(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string folded(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), fold);
    return out;
}

bool non_negative(const Value& v) {
    return v.is<std::int64_t>() && v.as<std::int64_t>() >= 0;
}

bool short_string(const Value& v, std::size_t max) {
    return v.is<std::string>() && v.as<std::string>().size() <= max;
}

// `*` any run of bytes (none included), `?` one UTF-8 character; both folded.
bool glob(std::string_view p, std::string_view s) {
    std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
    auto char_len = [&](std::size_t i) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        return std::min(n, s.size() - i);
    };
    while (si < s.size()) {
        if (pi < p.size() && p[pi] == '?') {
            ++pi;
            si += char_len(si);
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < p.size() && fold(p[pi]) == fold(s[si])) {
            ++pi;
            ++si;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            mark += char_len(mark);
            si = mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*')
        ++pi;
    return pi == p.size();
}

Value hit_value(const SearchHit& h) {
    List l;
    l.emplace_back(h.share);
    l.emplace_back(h.path);
    l.emplace_back(static_cast<std::int64_t>(h.size));
    l.emplace_back(h.mtime_s);
    l.emplace_back(h.type);
    l.emplace_back(detail::bytes_value(h.root));
    l.emplace_back(static_cast<std::int64_t>(h.block_size));
    return l;
}

std::optional<SearchHit> decode_hit(const Value& v) {
    if (!v.is<List>()) return std::nullopt;
    const auto& l = v.as<List>();
    SearchHit h;
    if (l.size() != 7 || !short_string(l[0], max_search_string_bytes) ||
        !short_string(l[1], max_search_string_bytes) || !non_negative(l[2]) ||
        !l[3].is<std::int64_t>() || !short_string(l[4], 16) || !detail::fixed_bytes(l[5], h.root) ||
        !l[6].is<std::int64_t>())
        return std::nullopt;
    auto bs = l[6].as<std::int64_t>();
    if (bs < min_block_size || bs > max_block_size || (bs & (bs - 1)) != 0) return std::nullopt;
    h.share = l[0].as<std::string>();
    h.path = l[1].as<std::string>();
    h.size = static_cast<std::uint64_t>(l[2].as<std::int64_t>());
    h.mtime_s = l[3].as<std::int64_t>();
    h.type = l[4].as<std::string>();
    h.block_size = static_cast<std::uint32_t>(bs);
    return h;
}

bool rate_value(const Value& v) {
    return non_negative(v) && v.as<std::int64_t>() <= 1'000'000'000'000;
}

Value client_value(const ServeClient& c) {
    List l;
    l.push_back(c.node ? detail::bytes_value(c.node->digest) : Value(nullptr));
    l.emplace_back(c.address);
    l.emplace_back(c.age_ms);
    l.emplace_back(static_cast<std::int64_t>(c.rate_bps));
    l.emplace_back(static_cast<std::int64_t>(c.bytes));
    return l;
}

std::optional<ServeClient> decode_client(const Value& v) {
    if (!v.is<List>()) return std::nullopt;
    const auto& l = v.as<List>();
    ServeClient c;
    NodeId id;
    if (l.size() != 5 || !(l[0].is<std::nullptr_t>() || detail::fixed_bytes(l[0], id.digest)) ||
        !short_string(l[1], 64) || !non_negative(l[2]) || !rate_value(l[3]) || !non_negative(l[4]))
        return std::nullopt;
    if (!l[0].is<std::nullptr_t>()) c.node = id;
    c.address = l[1].as<std::string>();
    c.age_ms = l[2].as<std::int64_t>();
    c.rate_bps = static_cast<std::uint64_t>(l[3].as<std::int64_t>());
    c.bytes = static_cast<std::uint64_t>(l[4].as<std::int64_t>());
    return c;
}

Value serve_value(const SearchServe& s) {
    List clients;
    for (const auto& c : s.clients)
        clients.push_back(client_value(c));
    List l;
    l.emplace_back(s.share);
    l.emplace_back(s.path);
    l.emplace_back(static_cast<std::int64_t>(s.size));
    l.emplace_back(s.type);
    l.emplace_back(detail::bytes_value(s.root));
    l.emplace_back(std::move(clients));
    return l;
}

std::optional<SearchServe> decode_serve(const Value& v) {
    if (!v.is<List>()) return std::nullopt;
    const auto& l = v.as<List>();
    SearchServe s;
    if (l.size() != 6 || !short_string(l[0], max_search_string_bytes) ||
        !short_string(l[1], max_search_string_bytes) || !non_negative(l[2]) ||
        !short_string(l[3], 16) || !detail::fixed_bytes(l[4], s.root) || !l[5].is<List>())
        return std::nullopt;
    const auto& clients = l[5].as<List>();
    if (clients.empty() || clients.size() > max_serve_clients) return std::nullopt;
    for (const auto& c : clients) {
        auto one = decode_client(c);
        if (!one) return std::nullopt;
        s.clients.push_back(std::move(*one));
    }
    s.share = l[0].as<std::string>();
    s.path = l[1].as<std::string>();
    s.size = static_cast<std::uint64_t>(l[2].as<std::int64_t>());
    s.type = l[3].as<std::string>();
    return s;
}

// Packs entries (hits or serves) into answer parts of at most `budget` bytes of tuple each.
template <class Entry, class ToValue>
std::vector<SearchAnswer> pack_answer(SearchAnswer cur, const std::vector<Entry>& entries,
                                      std::vector<Entry> SearchAnswer::*field, ToValue to_value,
                                      bool truncated, std::size_t budget) {
    std::vector<SearchAnswer> parts;
    auto base = encoded_size(encode_search_answer(cur));
    auto used = base;
    for (const auto& e : entries) {
        auto one = encoded_size(Tuple{to_value(e)}) - 4; // less the tuple's own count
        if (one + base > budget) {
            truncated = true; // an entry too large for any datagram
            continue;
        }
        if (used + one > budget || (cur.*field).size() == max_answer_results) {
            if (parts.size() + 1 == max_answer_parts) {
                truncated = true;
                break;
            }
            parts.push_back(cur);
            (cur.*field).clear();
            used = base;
        }
        (cur.*field).push_back(e);
        used += one;
    }
    parts.push_back(cur);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        parts[i].part = static_cast<std::int64_t>(i + 1);
        parts[i].parts = static_cast<std::int64_t>(parts.size());
        parts[i].truncated = truncated;
    }
    return parts;
}

} // namespace

Tuple encode_search_query(const SearchQuery& q) {
    List terms;
    for (const auto& t : q.terms)
        terms.emplace_back(t);
    Tuple t;
    t.emplace_back(detail::bytes_value(q.nonce));
    t.emplace_back(std::move(terms));
    t.emplace_back(q.type);
    t.emplace_back(static_cast<std::int64_t>(q.min_size));
    t.emplace_back(q.max_size ? Value(static_cast<std::int64_t>(*q.max_size)) : Value(nullptr));
    t.emplace_back(q.limit);
    if (q.streaming) t.emplace_back(true);
    return t;
}

std::optional<SearchQuery> decode_search_query(const Tuple& t) {
    SearchQuery q;
    // Seven values: the last one `streaming`, always true (a plain query has six).
    if (t.size() == 7 && !(t[6].is<bool>() && t[6].as<bool>())) return std::nullopt;
    if ((t.size() != 6 && t.size() != 7) || !detail::fixed_bytes(t[0], q.nonce) ||
        !t[1].is<List>() || !short_string(t[2], 16) || !non_negative(t[3]) ||
        !(t[4].is<std::nullptr_t>() || non_negative(t[4])) || !t[5].is<std::int64_t>())
        return std::nullopt;
    const auto& terms = t[1].as<List>();
    if (terms.size() > max_search_terms) return std::nullopt;
    for (const auto& v : terms) {
        if (!short_string(v, max_search_term_bytes) || v.as<std::string>().empty())
            return std::nullopt;
        q.terms.push_back(v.as<std::string>());
    }
    q.type = t[2].as<std::string>();
    if (!q.type.empty() &&
        std::find(media_types().begin(), media_types().end(), q.type) == media_types().end())
        return std::nullopt;
    q.min_size = static_cast<std::uint64_t>(t[3].as<std::int64_t>());
    if (t[4].is<std::int64_t>()) q.max_size = static_cast<std::uint64_t>(t[4].as<std::int64_t>());
    q.limit = t[5].as<std::int64_t>();
    q.streaming = t.size() == 7;
    if (q.limit < 1 || q.limit > max_search_limit) return std::nullopt;
    return q;
}

Tuple encode_search_answer(const SearchAnswer& a) {
    List hits;
    for (const auto& h : a.hits)
        hits.push_back(hit_value(h));
    Tuple t;
    t.emplace_back(detail::bytes_value(a.nonce));
    t.emplace_back(a.part);
    t.emplace_back(a.parts);
    t.emplace_back(a.truncated);
    t.emplace_back(a.name);
    t.emplace_back(std::move(hits));
    if (a.streaming) {
        List serves;
        for (const auto& s : a.serves)
            serves.push_back(serve_value(s));
        t.emplace_back(std::move(serves));
    }
    return t;
}

std::optional<SearchAnswer> decode_search_answer(const Tuple& t) {
    SearchAnswer a;
    if ((t.size() != 6 && t.size() != 7) || !detail::fixed_bytes(t[0], a.nonce) ||
        !t[1].is<std::int64_t>() || !t[2].is<std::int64_t>() || !t[3].is<bool>() ||
        !short_string(t[4], 255) || !t[5].is<List>())
        return std::nullopt;
    a.part = t[1].as<std::int64_t>();
    a.parts = t[2].as<std::int64_t>();
    if (a.parts < 1 || a.parts > static_cast<std::int64_t>(max_answer_parts) || a.part < 1 ||
        a.part > a.parts)
        return std::nullopt;
    a.truncated = t[3].as<bool>();
    a.name = t[4].as<std::string>();
    const auto& hits = t[5].as<List>();
    if (hits.size() > max_answer_results) return std::nullopt;
    for (const auto& v : hits) {
        auto h = decode_hit(v);
        if (!h) return std::nullopt;
        a.hits.push_back(std::move(*h));
    }
    if (t.size() == 7) { // a streaming answer: serves, and no hits
        if (!t[6].is<List>() || !a.hits.empty()) return std::nullopt;
        a.streaming = true;
        const auto& serves = t[6].as<List>();
        if (serves.size() > max_answer_results) return std::nullopt;
        for (const auto& v : serves) {
            auto s = decode_serve(v);
            if (!s) return std::nullopt;
            a.serves.push_back(std::move(*s));
        }
    }
    return a;
}

const std::vector<std::string>& media_types() {
    static const std::vector<std::string> types{"video",    "audio",   "image", "text",
                                                "document", "archive", "other"};
    return types;
}

std::string media_type_of(std::string_view file_name) {
    static const std::map<std::string, std::string, std::less<>> by_ext{
        {"mp4", "video"},    {"mkv", "video"},     {"webm", "video"},    {"avi", "video"},
        {"mov", "video"},    {"m4v", "video"},     {"mpg", "video"},     {"mpeg", "video"},
        {"ts", "video"},     {"wmv", "video"},     {"mp3", "audio"},     {"flac", "audio"},
        {"ogg", "audio"},    {"opus", "audio"},    {"wav", "audio"},     {"m4a", "audio"},
        {"aac", "audio"},    {"jpg", "image"},     {"jpeg", "image"},    {"png", "image"},
        {"gif", "image"},    {"webp", "image"},    {"heic", "image"},    {"svg", "image"},
        {"tif", "image"},    {"tiff", "image"},    {"bmp", "image"},     {"txt", "text"},
        {"md", "text"},      {"csv", "text"},      {"json", "text"},     {"log", "text"},
        {"pdf", "document"}, {"epub", "document"}, {"doc", "document"},  {"docx", "document"},
        {"odt", "document"}, {"xls", "document"},  {"xlsx", "document"}, {"ods", "document"},
        {"ppt", "document"}, {"pptx", "document"}, {"odp", "document"},  {"zip", "archive"},
        {"tar", "archive"},  {"gz", "archive"},    {"xz", "archive"},    {"bz2", "archive"},
        {"zst", "archive"},  {"7z", "archive"},    {"rar", "archive"},   {"iso", "archive"},
        {"deb", "archive"},
    };
    auto slash = file_name.rfind('/');
    if (slash != std::string_view::npos) file_name = file_name.substr(slash + 1);
    auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return "other";
    auto it = by_ext.find(folded(file_name.substr(dot + 1)));
    return it == by_ext.end() ? "other" : it->second;
}

bool term_matches(std::string_view term, std::string_view path) {
    if (term.find_first_of("*?") != std::string_view::npos) {
        auto slash = path.rfind('/');
        return glob(term, slash == std::string_view::npos ? path : path.substr(slash + 1));
    }
    return folded(path).find(folded(term)) != std::string::npos;
}

bool search_matches(const SearchQuery& q, std::string_view path, std::uint64_t size,
                    std::string_view type) {
    if (!q.type.empty() && q.type != type) return false;
    if (size < q.min_size || (q.max_size && size > *q.max_size)) return false;
    return std::all_of(q.terms.begin(), q.terms.end(),
                       [&](const std::string& t) { return term_matches(t, path); });
}

std::vector<SearchAnswer> pack_search_answer(const Nonce& nonce, const std::string& name,
                                             const std::vector<SearchHit>& hits, bool truncated,
                                             std::size_t budget) {
    SearchAnswer cur;
    cur.nonce = nonce;
    cur.name = name.size() > 255 ? std::string() : name;
    return pack_answer(std::move(cur), hits, &SearchAnswer::hits, hit_value, truncated, budget);
}

std::vector<SearchAnswer> pack_streaming_answer(const Nonce& nonce, const std::string& name,
                                                const std::vector<SearchServe>& serves,
                                                bool truncated, std::size_t budget) {
    SearchAnswer cur;
    cur.nonce = nonce;
    cur.name = name.size() > 255 ? std::string() : name;
    cur.streaming = true;
    return pack_answer(std::move(cur), serves, &SearchAnswer::serves, serve_value, truncated,
                       budget);
}

} // namespace mcast
