// The sharing service of a resident node (docs/sharing.md): an indexer that keeps the catalogue
// of the node's shares (hashing in a background thread at low CPU and I/O priority, with the
// hashes cached on disk, changes picked up by inotify and a periodic rescan), and a search
// responder that answers signed search queries (docs/protocol.md section 13) by unicast after a
// short random delay, friends-only shares only to trusted queriers. It runs on a Session and
// never prints; warnings go to a handler.
#pragma once

#include <mcast/catalogue.hpp>
#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/session.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace mcast {

struct ShareOptions {
    std::string name; // the node's announced name, carried in its answers
    std::filesystem::path shares_file = default_shares_path();
    std::filesystem::path cache_file = default_catalogue_cache_path();
    std::function<bool(const NodeId&)> trusted; // who sees friends-only shares; empty: nobody
    std::chrono::milliseconds answer_delay_max{40};
    std::chrono::seconds rescan{300};        // the safety net behind inotify
    std::size_t max_results = 50;            // per query from this node, whatever the query asks
    std::size_t max_queries_per_second = 20; // beyond: not answered (counted rate_limited)
    std::function<void(const std::string&)> warn; // corrupt cache, unreadable share, …
    // What this node's HTTPS server is sending now (streaming queries, docs/protocol.md section
    // 13.4); empty: nothing is served, and streaming queries get answers with no serves.
    std::function<std::vector<Serving>()> serving;
};

// What the service did and refused (`mcast share list --json` shows it).
struct ShareStats {
    std::uint64_t queries = 0;      // search queries delivered to the service (streaming too)
    std::uint64_t streaming = 0;    // of them, streaming queries answered
    std::uint64_t answered = 0;     // queries answered (with at least one datagram)
    std::uint64_t malformed = 0;    // queries of the wrong shape (section 13.2): dropped
    std::uint64_t repeated = 0;     // a nonce already answered: dropped
    std::uint64_t rate_limited = 0; // beyond max_queries_per_second: dropped
    std::uint64_t datagrams = 0;    // answer datagrams sent
    std::uint64_t index_passes = 0;
    IndexStats last_pass;
};

class MCAST_API ShareService {
public:
    ShareService(Session& session, ShareOptions opts);
    ~ShareService(); // stops
    ShareService(const ShareService&) = delete;
    ShareService& operator=(const ShareService&) = delete;

    // Reads the shares file, starts the indexer and answers queries. The session must be started.
    void start();
    void stop();
    // Reads the shares file again and re-indexes (after `mcast share add`).
    void reload();

    // The catalogue as last indexed (empty until the first pass ends): what a transfer serves.
    std::shared_ptr<const Catalogue> catalogue() const;
    const ShareStats& stats() const;
    // Called on the session's io_context after each indexing pass.
    [[nodiscard]] Subscription on_indexed(std::function<void(const Catalogue&)> h);

    // The control socket's share requests (WeatherService::route_control): "shares" (the list
    // with file counts and stats) and "shares_reload". JSON text in and out.
    std::string control(const std::string& request_json, unsigned uid);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// One file a search found.
struct MCAST_API SearchResult {
    NodeId node;
    std::string node_name;
    std::string source; // the address the answer came from
    SearchHit hit;
    // "<node short id>-<first 12 hex digits of the root>": what `mcast fetch` takes.
    std::string id() const;
};

// One file a node is serving now (a streaming search, SearchQuery::streaming).
struct MCAST_API StreamResult {
    NodeId node; // the node that serves it
    std::string node_name;
    std::string source;
    SearchServe serve;
};

// What a search heard and refused.
struct SearchStats {
    std::uint64_t queries_sent = 0;
    std::uint64_t answers = 0;          // answer datagrams taken
    std::uint64_t unbound = 0;          // carrying a nonce this search did not send: dropped
    std::uint64_t malformed = 0;        // of the wrong shape: dropped
    std::uint64_t nodes = 0;            // nodes that answered
    std::uint64_t truncated_nodes = 0;  // nodes that said they left matches out
    std::uint64_t incomplete_nodes = 0; // nodes of which some answer datagram never came
};

struct SearchOptions {
    std::chrono::milliseconds timeout{2000}; // at the latest
    std::chrono::milliseconds repeat{100};   // the query is sent twice, this far apart
    // Done this long after the last query or the last answer, whichever is later.
    std::chrono::milliseconds quiet{250};
    std::size_t max_results = 1000; // over all nodes; beyond: counted, not kept
};

// One search: sends the query from the session's private port and gathers the answers bound to
// its nonce until the quiet period or the timeout.
class MCAST_API Search {
public:
    Search(Session& session, SearchQuery q, SearchOptions opts = {});
    ~Search();
    Search(const Search&) = delete;
    Search& operator=(const Search&) = delete;

    void on_result(std::function<void(const SearchResult&)> h);
    // A streaming search's results (each node's serves), instead of on_result's files.
    void on_stream(std::function<void(const StreamResult&)> h);
    void on_done(std::function<void()> h);
    void start();
    void stop();

    const SearchStats& stats() const;
    bool truncated() const; // a node left matches out, or max_results was reached

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
