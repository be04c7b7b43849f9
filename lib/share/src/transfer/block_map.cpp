// BlockMap and its sidecar codec.
#include "transfer/block_map.hpp"

#include <charconv>

namespace mcast::share {

void BlockMap::set(std::size_t i) {
    if (!bits_.at(i)) {
        bits_[i] = true;
        ++count_;
    }
}

std::uint64_t BlockMap::bytes(const Manifest& m) const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < bits_.size(); ++i)
        if (bits_[i]) total += m.block_length(i);
    return total;
}

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// The value after "key " on the next line; advances `text`.
std::optional<std::string_view> field(std::string_view& text, std::string_view key) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    auto line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ' ')
        return std::nullopt;
    return line.substr(key.size() + 1);
}

bool number_is(std::string_view s, std::uint64_t want) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && p == s.data() + s.size() && v == want && !s.empty() &&
           (s.size() == 1 || s[0] != '0');
}

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

} // namespace

std::string BlockMap::encode(const Manifest& m) const {
    std::string out = "mcast-fetch 1\nroot " + digest_hex(m.root) + "\nsize " +
                      std::to_string(m.size) + "\nblock-size " + std::to_string(m.block_size) +
                      "\nverified ";
    for (std::size_t i = 0; i < bits_.size(); i += 4) {
        int v = 0;
        for (std::size_t b = 0; b < 4; ++b)
            if (i + b < bits_.size() && bits_[i + b]) v |= 8 >> b;
        out += hex_digits[v];
    }
    out += '\n';
    return out;
}

std::optional<BlockMap> BlockMap::decode(std::string_view text, const Manifest& m) {
    auto magic = text.find('\n');
    if (magic == std::string_view::npos || text.substr(0, magic) != "mcast-fetch 1")
        return std::nullopt;
    text.remove_prefix(magic + 1);
    auto root = field(text, "root");
    auto size = field(text, "size");
    auto bs = field(text, "block-size");
    auto bits = field(text, "verified");
    if (!root || !size || !bs || !bits || !text.empty()) return std::nullopt;
    if (*root != digest_hex(m.root) || !number_is(*size, m.size) || !number_is(*bs, m.block_size))
        return std::nullopt;
    const std::size_t n = m.blocks.size();
    if (bits->size() != (n + 3) / 4) return std::nullopt;
    BlockMap map(n);
    for (std::size_t d = 0; d < bits->size(); ++d) {
        int v = nibble((*bits)[d]);
        if (v < 0) return std::nullopt;
        for (std::size_t b = 0; b < 4; ++b) {
            if (!(v & (8 >> b))) continue;
            std::size_t i = d * 4 + b;
            if (i >= n) return std::nullopt; // bits past the last block
            map.set(i);
        }
    }
    return map;
}

} // namespace mcast::share
