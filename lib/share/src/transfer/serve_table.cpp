// ServeTable (serve_table.hpp).
#include "transfer/serve_table.hpp"

#include <algorithm>
#include <string_view>

namespace mcast::share {

ServeTable::Key ServeTable::begin(const Digest& root, const std::optional<NodeId>& client,
                                  const std::string& address, MonoTime now) {
    Key k{root, client ? client->full() : address};
    auto [it, fresh] = streams_.try_emplace(k);
    auto& s = it->second;
    if (!fresh && s.open == 0 && now - s.last > linger_) s = Stream{}; // an old one, over
    if (s.open == 0 && s.bytes == 0) s.since = now;
    s.node = client;
    // An IPv4 client of a dual-stack socket as itself, not as a mapped IPv6 address; at most
    // 64 bytes, as the wire carries it.
    constexpr std::string_view mapped = "::ffff:";
    s.address = (address.starts_with(mapped) && address.find('.') != std::string::npos
                     ? address.substr(mapped.size())
                     : address)
                    .substr(0, 64);
    s.last = now;
    ++s.open;
    return k;
}

void ServeTable::sent(const Key& k, std::uint64_t bytes, MonoTime now) {
    auto it = streams_.find(k);
    if (it == streams_.end()) return;
    auto& s = it->second;
    s.bytes += bytes;
    s.last = now;
    s.recent.emplace_back(now, bytes);
    prune(s, now);
}

void ServeTable::end(const Key& k, MonoTime now) {
    auto it = streams_.find(k);
    if (it == streams_.end() || it->second.open == 0) return;
    --it->second.open;
    it->second.last = now;
}

void ServeTable::prune(Stream& s, MonoTime now) const {
    while (!s.recent.empty() && now - s.recent.front().first > window_)
        s.recent.pop_front();
}

std::vector<Serving> ServeTable::current(MonoTime now) {
    std::vector<Serving> out;
    for (auto it = streams_.begin(); it != streams_.end();) {
        auto& s = it->second;
        if (s.open == 0 && now - s.last > linger_) {
            it = streams_.erase(it);
            continue;
        }
        prune(s, now);
        std::uint64_t in_window = 0;
        for (const auto& [t, n] : s.recent)
            in_window += n;
        // Over the window, or over the stream's life when it is younger (at least 100 ms, so
        // that one first write is not an absurd rate).
        auto span = std::max<std::chrono::nanoseconds>(
            std::min<std::chrono::nanoseconds>(window_, now - s.since),
            std::chrono::milliseconds(100));
        double secs = std::chrono::duration<double>(span).count();
        ServeClient c;
        c.node = s.node;
        c.address = s.address;
        c.age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.since).count();
        c.rate_bps = static_cast<std::uint64_t>(static_cast<double>(in_window) * 8 / secs);
        c.bytes = s.bytes;
        out.push_back({it->first.root, std::move(c)});
        ++it;
    }
    return out;
}

} // namespace mcast::share
