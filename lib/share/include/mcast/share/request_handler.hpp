// The HTTP side of serving a share, as a pure function in the manner of Beast's examples: a parsed
// request and the peer in, a response out; files only through a FileProvider. No sockets here, so
// unit tests feed it raw request text.
//
// Addresses (docs/share.md): GET or HEAD
//   /h/ROOT            a file of the catalogue by its content hash (64 hex digits)
//   /f/SHARE/PATH…     a file by its share's label and its path inside the share
//   /m/ROOT            the file's block hashes (32 bytes each, in order), which the fetcher
//                      checks against ROOT (Manifest::consistent) before it trusts any
// Percent-encoding is decoded once; an encoded '/', a NUL, an empty, "." or ".." segment, a
// backslash or a query are refused (400) before the provider is asked.
#pragma once

#include <mcast/share/file_provider.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mcast::share {

// A response body that is either a short text (errors) or a range of an open file, read with
// pread in 64 KiB pieces as the serializer asks for them.
struct RangeBody {
    struct value_type {
        std::string text;
        std::shared_ptr<FileHandle> file; // when set, the body is [offset, offset + length)
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };

    static std::uint64_t size(const value_type& v) { return v.file ? v.length : v.text.size(); }

    class writer;
};

using Request = boost::beast::http::request<boost::beast::http::empty_body>;
using Response = boost::beast::http::response<RangeBody>;

// The one byte range a request asks for (inclusive bounds, as HTTP writes them).
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    friend bool operator==(const ByteRange&, const ByteRange&) = default;
};
enum class RangeError { malformed, unsatisfiable };

// Parses a Range header value against a file of `size` bytes (RFC 9110 section 14):
//   "bytes=A-B", "bytes=A-" and "bytes=-N" (the last N bytes), with B clamped to size - 1.
// malformed (400): not that grammar (no "bytes" unit, a non-digit, a number past 2^64).
// unsatisfiable (416): several ranges (one range is served), B < A, A >= size, a suffix of 0,
// or another unit than bytes.
std::variant<ByteRange, RangeError> parse_range(std::string_view value, std::uint64_t size);

// What a request target addresses, or the status that refuses it.
struct ByHash {
    std::string root_hex;
};
struct ByPath {
    std::string share;
    std::vector<std::string> segments;
};
struct ManifestOf {
    std::string root_hex;
};
std::variant<ByHash, ByPath, ManifestOf, boost::beast::http::status>
parse_target(std::string_view target);

// The response to one request: 200/206 with the file (HEAD: the same headers, no body), or
// 400, 404, 405, 416 with a one-line text body. Keep-alive follows the request.
Response handle_request(const Request& req, const Peer& peer, FileProvider& files);

// A bare response with a one-line text body, for the statuses the server decides before any
// request is handled (400 unreadable request, 431 header too large, 503 too many connections).
Response status_response(boost::beast::http::status status, unsigned version, bool keep_alive);

} // namespace mcast::share

#include <mcast/share/range_body_writer.hpp>
