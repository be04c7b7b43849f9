// Search on the wire (docs/protocol.md section 13): what a search query asks, what an answer
// carries, the matching rules a node applies to its catalogue, and media types by extension.
// Pure conversions and predicates; no sockets, no files, no clocks.
#pragma once

#include <mcast/block_tree.hpp>
#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/presence.hpp>
#include <mcast/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcast {

constexpr std::size_t max_search_terms = 16;
constexpr std::size_t max_search_term_bytes = 64;
constexpr std::int64_t max_search_limit = 100;        // results one node may be asked for
constexpr std::size_t max_answer_results = 100;       // entries one answer datagram may hold
constexpr std::size_t max_answer_parts = 4;           // datagrams one node answers one query with
constexpr std::size_t max_search_string_bytes = 1024; // share labels and paths in answers
constexpr std::size_t max_serve_clients = 16;         // clients one serve entry may list

// What a query asks (type 0x10).
struct SearchQuery {
    Nonce nonce{};
    std::vector<std::string> terms; // words and globs, all must match (section 13.2)
    std::string type;               // a media type (media_types()), empty: any
    std::uint64_t min_size = 0;
    std::optional<std::uint64_t> max_size;
    std::int64_t limit = 50; // at most this many results from each node (1-100)
    // Asks for the files being served now (section 13.4) instead of the files held.
    bool streaming = false;
    friend bool operator==(const SearchQuery&, const SearchQuery&) = default;
};

// One file a node holds.
struct SearchHit {
    std::string share; // the share's label
    std::string path;  // relative to the share, '/'-separated
    std::uint64_t size = 0;
    std::int64_t mtime_s = 0; // seconds since 1970
    std::string type;         // media type
    Digest root{};            // the content hash (block_tree.hpp)
    std::uint32_t block_size = min_block_size;
    friend bool operator==(const SearchHit&, const SearchHit&) = default;
};

// One client a node's HTTPS server is sending a file to now.
struct ServeClient {
    std::optional<NodeId> node; // from its client certificate's key; nullopt: it showed none
    std::string address;        // where it connects from
    std::int64_t age_ms = 0;    // since this stream began
    std::uint64_t rate_bps = 0; // over the last few seconds
    std::uint64_t bytes = 0;    // sent to it in this stream so far
    friend bool operator==(const ServeClient&, const ServeClient&) = default;
};

// One file a node is serving now, and to whom (an entry of a streaming answer).
struct SearchServe {
    std::string share;
    std::string path;
    std::uint64_t size = 0;
    std::string type; // media type
    Digest root{};
    std::vector<ServeClient> clients; // 1-16
    friend bool operator==(const SearchServe&, const SearchServe&) = default;
};

// What a node's HTTPS server says it is sending now: one file (by content hash) to one client.
struct Serving {
    Digest root{};
    ServeClient client;
    friend bool operator==(const Serving&, const Serving&) = default;
};

// One answer datagram (type 0x11): part `part` of `parts` of one node's answer to one query.
struct SearchAnswer {
    Nonce nonce{};
    std::int64_t part = 1;
    std::int64_t parts = 1;
    bool truncated = false; // the node matched more than it answers
    std::string name;       // the node's announced name (at most 255 bytes)
    std::vector<SearchHit> hits;
    // An answer to a streaming query: it carries `serves` (and no hits).
    bool streaming = false;
    std::vector<SearchServe> serves;
    friend bool operator==(const SearchAnswer&, const SearchAnswer&) = default;
};

MCAST_API Tuple encode_search_query(const SearchQuery& q);
MCAST_API std::optional<SearchQuery> decode_search_query(const Tuple& t);
MCAST_API Tuple encode_search_answer(const SearchAnswer& a);
MCAST_API std::optional<SearchAnswer> decode_search_answer(const Tuple& t);

// The media types a query may name: video, audio, image, text, document, archive, other.
MCAST_API const std::vector<std::string>& media_types();
// The media type of a file name, by its extension (case-insensitive); "other" when unknown.
MCAST_API std::string media_type_of(std::string_view file_name);

// Whether the file `path` (relative to its share), of `size` bytes and media type `type`,
// matches `q` (section 13.2): every term matches, the type is q's (or q names none), and the
// size is within bounds. Matching folds ASCII case.
MCAST_API bool search_matches(const SearchQuery& q, std::string_view path, std::uint64_t size,
                              std::string_view type);
// One term against a path: a glob (with `*` or `?`) against the file name, else a substring of
// the whole relative path.
MCAST_API bool term_matches(std::string_view term, std::string_view path);

// Splits a node's matches into answer datagrams of at most `budget` payload bytes each and at
// most max_answer_parts parts; `truncated` is set when hits were left out (more than the
// query's limit, or more than fit).
MCAST_API std::vector<SearchAnswer> pack_search_answer(const Nonce& nonce, const std::string& name,
                                                       const std::vector<SearchHit>& hits,
                                                       bool truncated, std::size_t budget);
// The same for a streaming answer: `serves` into at most max_answer_parts datagrams.
MCAST_API std::vector<SearchAnswer> pack_streaming_answer(const Nonce& nonce,
                                                          const std::string& name,
                                                          const std::vector<SearchServe>& serves,
                                                          bool truncated, std::size_t budget);

} // namespace mcast
