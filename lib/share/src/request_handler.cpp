// The pure request handler: targets, ranges and statuses. See request_handler.hpp for the rules.
#include <mcast/share/request_handler.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <unistd.h>

namespace mcast::share {

namespace http = boost::beast::http;

boost::optional<std::pair<RangeBody::writer::const_buffers_type, bool>>
RangeBody::writer::get(boost::beast::error_code& ec) {
    ec = {};
    if (!body_.file) {
        if (done_ != 0 || body_.text.empty()) return boost::none;
        done_ = body_.text.size();
        return {{const_buffers_type(body_.text.data(), body_.text.size()), false}};
    }
    if (done_ >= body_.length) return boost::none;
    if (!buffer_) buffer_ = std::make_unique<char[]>(piece);
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(piece, body_.length - done_));
    ssize_t n;
    do {
        n = ::pread(body_.file->fd(), buffer_.get(), want,
                    static_cast<off_t>(body_.offset + done_));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        // The file shrank or cannot be read after the headers went out: end the connection
        // (the client sees a short body, and the fetcher a block that does not verify).
        ec = n == 0 ? boost::beast::error_code(boost::beast::http::error::partial_message)
                    : boost::beast::error_code(errno, boost::system::generic_category());
        return boost::none;
    }
    done_ += static_cast<std::uint64_t>(n);
    return {{const_buffers_type(buffer_.get(), static_cast<std::size_t>(n)), done_ < body_.length}};
}

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One segment, percent-decoded; nullopt for a bad escape or a decoded '/', '\\' or NUL.
std::optional<std::string> decode_segment(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
            if (c == '/') return std::nullopt;
        }
        if (c == '\0' || c == '\\') return std::nullopt;
        out += c;
    }
    return out;
}

bool is_root_hex(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

Response text_response(http::status status, unsigned version, bool keep_alive, std::string text) {
    Response res{status, version};
    res.set(http::field::server, "mcast");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body().text = std::move(text);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

} // namespace

std::variant<ByteRange, RangeError> parse_range(std::string_view value, std::uint64_t size) {
    value = trim(value);
    auto eq = value.find('=');
    if (eq == std::string_view::npos || eq == 0) return RangeError::malformed;
    auto unit = trim(value.substr(0, eq));
    auto spec = trim(value.substr(eq + 1));
    if (!std::all_of(unit.begin(), unit.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        }))
        return RangeError::malformed;
    bool bytes =
        unit.size() == 5 && std::equal(unit.begin(), unit.end(), "bytes",
                                       [](char a, char b) { return std::tolower(a) == b; });
    if (spec.empty()) return RangeError::malformed;
    // Check the whole list's syntax first: a malformed list is 400 even if it has several.
    std::size_t count = 0;
    std::string_view first_spec;
    for (std::size_t pos = 0; pos <= spec.size();) {
        auto comma = spec.find(',', pos);
        auto one =
            trim(spec.substr(pos, comma == std::string_view::npos ? spec.npos : comma - pos));
        if (one.empty()) return RangeError::malformed;
        auto dash = one.find('-');
        if (dash == std::string_view::npos) return RangeError::malformed;
        auto a = trim(one.substr(0, dash)), b = trim(one.substr(dash + 1));
        if (a.empty() && b.empty()) return RangeError::malformed;
        std::uint64_t ignored;
        if ((!a.empty() && (!all_digits(a) || !parse_u64(a, ignored))) ||
            (!b.empty() && (!all_digits(b) || !parse_u64(b, ignored))))
            return RangeError::malformed;
        if (count++ == 0) first_spec = one;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    if (!bytes || count != 1) return RangeError::unsatisfiable;
    auto dash = first_spec.find('-');
    auto a = trim(first_spec.substr(0, dash)), b = trim(first_spec.substr(dash + 1));
    std::uint64_t first = 0, last = 0;
    if (a.empty()) { // suffix: the last N bytes
        parse_u64(b, last);
        if (last == 0 || size == 0) return RangeError::unsatisfiable;
        return ByteRange{last >= size ? 0 : size - last, size - 1};
    }
    parse_u64(a, first);
    if (first >= size) return RangeError::unsatisfiable;
    if (b.empty()) return ByteRange{first, size - 1};
    parse_u64(b, last);
    if (last < first) return RangeError::unsatisfiable;
    return ByteRange{first, std::min(last, size - 1)};
}

std::variant<ByHash, ByPath, ManifestOf, http::status> parse_target(std::string_view target) {
    // Origin form only: an absolute URI, "*" or an authority is not ours to serve.
    if (target.empty() || target.front() != '/') return http::status::bad_request;
    if (target.find_first_of("?#") != std::string_view::npos) return http::status::bad_request;
    std::vector<std::string> segments;
    std::size_t pos = 1;
    while (true) {
        auto slash = target.find('/', pos);
        auto raw = target.substr(pos, slash == std::string_view::npos ? target.npos : slash - pos);
        auto seg = decode_segment(raw);
        if (!seg || seg->empty() || *seg == "." || *seg == "..") return http::status::bad_request;
        segments.push_back(std::move(*seg));
        if (slash == std::string_view::npos) break;
        pos = slash + 1;
    }
    if (segments.size() == 2 && (segments[0] == "h" || segments[0] == "m")) {
        if (!is_root_hex(segments[1])) return http::status::not_found;
        if (segments[0] == "m") return ManifestOf{segments[1]};
        return ByHash{segments[1]};
    }
    if (segments.size() >= 3 && segments[0] == "f") {
        ByPath p{segments[1], {segments.begin() + 2, segments.end()}};
        return p;
    }
    return http::status::not_found;
}

Response status_response(http::status status, unsigned version, bool keep_alive) {
    auto res = text_response(status, version, keep_alive,
                             std::string(http::obsolete_reason(status)) + "\n");
    if (status == http::status::service_unavailable) res.set(http::field::retry_after, "1");
    return res;
}

Response handle_request(const Request& req, const Peer& peer, FileProvider& files) {
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = status_response(http::status::method_not_allowed, version, keep_alive);
        res.set(http::field::allow, "GET, HEAD");
        return res;
    }
    auto target = parse_target(req.target());
    if (auto* s = std::get_if<http::status>(&target))
        return status_response(*s, version, keep_alive);

    if (auto* m = std::get_if<ManifestOf>(&target)) {
        auto manifest = files.manifest(m->root_hex, peer);
        if (!manifest) return status_response(http::status::not_found, version, keep_alive);
        Response res{http::status::ok, version};
        res.set(http::field::server, "mcast");
        res.set(http::field::content_type, "application/octet-stream");
        std::string hashes;
        for (const auto& d : manifest->blocks)
            hashes.append(reinterpret_cast<const char*>(d.data()), d.size());
        res.content_length(hashes.size());
        if (req.method() == http::verb::get) res.body().text = std::move(hashes);
        res.keep_alive(keep_alive);
        return res;
    }
    std::optional<ServedFile> file;
    if (auto* h = std::get_if<ByHash>(&target))
        file = files.open_by_hash(h->root_hex, peer);
    else {
        auto& p = std::get<ByPath>(target);
        file = files.open_by_path(p.share, p.segments, peer);
    }
    if (!file) return status_response(http::status::not_found, version, keep_alive);

    ByteRange range{0, file->size == 0 ? 0 : file->size - 1};
    bool partial = false;
    if (auto it = req.find(http::field::range); it != req.end()) {
        auto r = parse_range(it->value(), file->size);
        if (auto* e = std::get_if<RangeError>(&r)) {
            if (*e == RangeError::malformed)
                return status_response(http::status::bad_request, version, keep_alive);
            auto res = status_response(http::status::range_not_satisfiable, version, keep_alive);
            res.set(http::field::content_range, "bytes */" + std::to_string(file->size));
            return res;
        }
        range = std::get<ByteRange>(r);
        partial = true;
    }

    Response res{partial ? http::status::partial_content : http::status::ok, version};
    res.set(http::field::server, "mcast");
    res.set(http::field::content_type, file->content_type);
    res.set(http::field::accept_ranges, "bytes");
    res.set(http::field::etag, "\"" + file->root_hex + "\"");
    if (partial)
        res.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                std::to_string(range.last) + "/" +
                                                std::to_string(file->size));
    std::uint64_t length = file->size == 0 ? 0 : range.last - range.first + 1;
    if (req.method() == http::verb::get) { // HEAD: the same headers, no body
        res.body().file = std::move(file->file);
        res.body().offset = range.first;
        res.body().length = length;
    }
    res.keep_alive(keep_alive);
    res.content_length(length);
    return res;
}

} // namespace mcast::share
