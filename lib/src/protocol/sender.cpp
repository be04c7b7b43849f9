// Sequence numbering and sealing of outgoing datagrams; see sender.hpp.
#include "protocol/sender.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace mcast {

Sender::Sender(const Identity& id, std::uint64_t incarnation) : id_(id), incarnation_(incarnation) {
    if (incarnation == 0) throw std::invalid_argument("incarnation must not be 0");
}

Header Sender::next_header(std::uint8_t type, std::string_view topic, std::int64_t wall_ns) const {
    Header h;
    h.type = type;
    h.incarnation = incarnation_;
    h.seq = seq_ + 1;
    h.timestamp_ns = wall_ns;
    h.topic = std::string(topic);
    return h;
}

ByteBuffer Sender::seal(std::uint8_t type, std::string_view topic, const Tuple& values,
                        std::int64_t wall_ns) {
    auto d = encode_datagram(next_header(type, topic, wall_ns), values, id_);
    ++seq_; // only once the datagram was built: a refused message uses no number
    return d;
}

ByteBuffer Sender::body(std::uint8_t type, std::string_view topic, const Tuple& values,
                        std::int64_t wall_ns) {
    auto d = encode_body(next_header(type, topic, wall_ns), values, id_.public_key());
    ++seq_;
    return d;
}

std::uint64_t random_incarnation() {
    std::uint64_t v = 0;
    while (v == 0) {
        if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1)
            throw std::runtime_error("cannot get random bytes");
    }
    return v;
}

} // namespace mcast
