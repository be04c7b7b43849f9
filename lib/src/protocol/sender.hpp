// The sending side of the protocol: one incarnation, a sequence counter, and sealing (encode +
// sign) of outgoing datagrams. Sans-IO: time is passed in.
#pragma once

#include <mcast/identity.hpp>
#include <mcast/value.hpp>
#include <mcast/wire.hpp>

#include <string_view>

namespace mcast {

class Sender {
public:
    Sender(const Identity& id, std::uint64_t incarnation);
    ByteBuffer seal(std::uint8_t type, std::string_view topic, const Tuple& values,
                    std::int64_t wall_ns);
    // The same datagram unsigned (encode_body), for a Batcher to seal: it takes the next
    // sequence number now, so datagrams keep their order whenever they are sealed.
    ByteBuffer body(std::uint8_t type, std::string_view topic, const Tuple& values,
                    std::int64_t wall_ns);
    std::uint64_t incarnation() const { return incarnation_; }
    std::uint64_t next_seq() const { return seq_ + 1; }

private:
    Header next_header(std::uint8_t type, std::string_view topic, std::int64_t wall_ns) const;

    const Identity& id_; // owned by the caller (the Session), outlives the Sender
    std::uint64_t incarnation_;
    std::uint64_t seq_ = 0;
};

// A random non-zero incarnation number.
std::uint64_t random_incarnation();

} // namespace mcast
