// What the HTTPS server is sending now, for streaming searches (docs/protocol.md section 13.4):
// one stream per (file, client), from the first body byte until it has been quiet for `linger`
// (a fetcher's keep-alive Range requests, one after another, are one stream), with the bytes
// sent and the rate over the last `window`. Sans-IO: time is passed in.
#pragma once

#include <mcast/mono_time.hpp>
#include <mcast/search.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mcast::share {

class ServeTable {
public:
    struct Key {
        Digest root{};
        std::string who; // the client's node id (hex), else its address
        friend auto operator<=>(const Key&, const Key&) = default;
    };

    explicit ServeTable(std::chrono::milliseconds linger = std::chrono::seconds(3),
                        std::chrono::milliseconds window = std::chrono::seconds(2))
        : linger_(linger), window_(window) {}

    // A response body of the file `root` starts going to a client.
    Key begin(const Digest& root, const std::optional<NodeId>& client, const std::string& address,
              MonoTime now);
    // `bytes` of it were written.
    void sent(const Key& k, std::uint64_t bytes, MonoTime now);
    // That response ended (done, or the connection went).
    void end(const Key& k, MonoTime now);

    // The streams going on at `now` (forgets those quiet for longer than the linger).
    std::vector<Serving> current(MonoTime now);

private:
    struct Stream {
        std::optional<NodeId> node;
        std::string address;
        MonoTime since{};
        MonoTime last{};
        std::size_t open = 0; // responses being written
        std::uint64_t bytes = 0;
        std::deque<std::pair<MonoTime, std::uint64_t>> recent; // within the window
    };
    void prune(Stream& s, MonoTime now) const;

    std::chrono::milliseconds linger_;
    std::chrono::milliseconds window_;
    std::map<Key, Stream> streams_;
};

} // namespace mcast::share
