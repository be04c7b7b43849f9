// Fetching one file of the catalogue from the nodes that hold it: every block verified against
// its hash in the manifest before it is written, blocks pulled from all holders at once, a
// sidecar (FILE.mcast-blocks, written atomically) recording what is verified so that a run after
// an interruption fetches only what is missing, and the file appearing under its name only when
// complete (FILE.mcast-part renamed). A holder that serves a block that does not verify is
// reported and dropped, and the block fetched from another; a holder that vanishes is dropped;
// disk full or no holder left is a FetchError of one line, the verified part kept.
//   mcast::share::Fetcher f(io, identity, manifest, holders, {.output = "film.mkv"});
//   f.start([](const FetchEvent& e) { ... }, [](std::optional<FetchError> err) { ... });
//   io.run();
#pragma once

#include <mcast/block_tree.hpp>
#include <mcast/identity.hpp>
#include <mcast/share/tls.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace mcast::share {

// A node that serves the file: where, and the node whose key must be at the other end of the
// TLS connection (the key that signed its search answer; its id is the key's SHA-256).
struct Holder {
    boost::asio::ip::tcp::endpoint endpoint;
    NodeId node;
    std::string name; // for messages: the node's name or id
};

struct FetchOptions {
    std::filesystem::path output;
    std::uint64_t max_span_bytes = 4 * 1024 * 1024;       // per request (at least one block)
    std::chrono::milliseconds connect_timeout{5'000};     // connect and handshake
    std::chrono::milliseconds io_timeout{15'000};         // the longest wait for the next bytes
    std::chrono::milliseconds checkpoint_interval{1'000}; // how often the sidecar is saved
    bool overwrite = false;                               // replace an existing output file
    // Ask a holder for its next span while the last answer comes in, so that it never waits a
    // round trip between answers; off where the order may change at any moment (--stream: a
    // player's seek is then served after the span in flight, not after two).
    bool ask_ahead = true;
    // Asked before each request; while it returns true the fetch waits (weather advice: give
    // way to higher-priority neighbours).
    std::function<bool()> hold_back;
};

// Events, in order, on the io_context's thread.
struct FetchProgress {
    std::uint64_t verified_bytes = 0; // on disk and verified, resumed ones included
    std::uint64_t total_bytes = 0;
    std::uint64_t transferred_bytes = 0; // body bytes received in this run
    std::uint64_t resumed_bytes = 0;     // verified before this run (from the sidecar)
    std::size_t blocks_verified = 0;
    std::size_t blocks = 0;
};
struct BadBlock {
    std::size_t holder = 0; // index into the holders
    std::size_t block = 0;
};
struct HolderGone {
    std::size_t holder = 0;
    std::string reason;
};
using FetchEvent = std::variant<FetchProgress, BadBlock, HolderGone>;

// What went wrong, in one line that names the file or holder and says what is kept.
struct FetchError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct FetchResult {
    FetchProgress progress;
    std::vector<std::size_t> bad_holders;
};

class Fetcher {
public:
    // Throws FetchError at once for a manifest that is not consistent (its blocks do not make
    // its root: Manifest::consistent) or no holders.
    Fetcher(boost::asio::io_context& io, const TlsKey& self, Manifest manifest,
            std::vector<Holder> holders, FetchOptions options);
    ~Fetcher();
    Fetcher(const Fetcher&) = delete;
    Fetcher& operator=(const Fetcher&) = delete;

    using EventHandler = std::function<void(const FetchEvent&)>;
    // Called once: nullopt error when the file is complete under its name.
    using DoneHandler = std::function<void(const FetchResult&, std::optional<FetchError>)>;
    // Opens (or resumes) the part file and starts a connection per holder. A local error
    // (output exists, the part file cannot be made) comes through `done`.
    void start(EventHandler on_event, DoneHandler done);
    // Stops every connection, saves the sidecar, and calls done with an error "interrupted".
    void cancel();

    // Stream mode (StreamProxy): fetch from `block` onwards next, and whether a block is
    // verified and on disk in part_path() (which stays readable through the final rename).
    void want(std::size_t block);
    bool verified(std::size_t block) const;
    const Manifest& manifest() const;

    // The paths the fetch keeps its state in.
    static std::filesystem::path part_path(const std::filesystem::path& output);
    static std::filesystem::path sidecar_path(const std::filesystem::path& output);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

// The TCP port a resident node serves its shares on by default: the number of mcast's UDP port
// (session.hpp's default_port).
inline constexpr std::uint16_t default_share_port = 7767;

// Asks the holders in turn for the block hashes of the file whose content hash is `root`, of
// `size` bytes in blocks of `block_size` (what a search answer says), and returns the first
// manifest whose hashes make `root` (Manifest::consistent): a holder cannot make the fetcher
// accept a block the signed answer did not vouch for. Throws FetchError naming each holder's
// failure.
Manifest fetch_manifest(const TlsKey& self, const std::vector<Holder>& holders, const Digest& root,
                        std::uint64_t size, std::uint32_t block_size,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Runs a Fetcher on an io_context of its own until it ends; throws FetchError.
FetchResult fetch_file(const TlsKey& self, Manifest manifest, std::vector<Holder> holders,
                       FetchOptions options, Fetcher::EventHandler on_event = {});

} // namespace mcast::share
