// Node ids (SHA-256 fingerprints of public keys) and the hex helpers they are printed with.
#include <mcast/identity.hpp>

#include "protocol/sha256.hpp"

#include <cctype>

namespace mcast {

std::string to_hex(ByteView bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(bytes.size() * 2, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        s[2 * i] = digits[bytes[i] >> 4];
        s[2 * i + 1] = digits[bytes[i] & 15];
    }
    return s;
}

std::optional<ByteBuffer> from_hex(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    ByteBuffer out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    return out;
}

NodeId NodeId::of(const PublicKeyBytes& key) {
    NodeId id;
    id.digest = detail::sha256({ByteView(key)});
    return id;
}

std::string NodeId::full() const {
    return to_hex(digest);
}

std::string NodeId::short_form() const {
    return to_hex(ByteView(digest).first(6)); // 12 hex digits
}

bool NodeId::matches_prefix(std::string_view prefix) const {
    return id_has_prefix(full(), prefix);
}

bool id_has_prefix(std::string_view full_id, std::string_view prefix) {
    if (prefix.empty() || prefix.size() > full_id.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        auto c = static_cast<unsigned char>(prefix[i]);
        if (!std::isxdigit(c) || std::tolower(c) != full_id[i]) return false;
    }
    return true;
}

} // namespace mcast
