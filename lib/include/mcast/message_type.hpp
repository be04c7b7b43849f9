// The registry of message type bytes (docs/protocol.md section 4): every type the protocol
// defines, in one place, so that a new service takes the next free byte here and nowhere else.
// The payload layouts live with their codecs (presence.hpp, ping.hpp, speed.hpp, pairing.hpp).
#pragma once

#include <mcast/export.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace mcast {

enum class MessageType : std::uint8_t {
    data = 0x01, // an application's tuple under a topic (send / listen)
    // presence (presence.hpp)
    announce = 0x02,
    goodbye = 0x03,
    query = 0x04,
    answer = 0x05,
    // ping (ping.hpp)
    ping_probe = 0x06,
    ping_reply = 0x07,
    // speed tests (speed.hpp)
    speed_data = 0x08,
    speed_end = 0x09,
    speed_report = 0x0a,
    // pairing (pairing.hpp)
    pair_request = 0x0b,  // initiator: session, commitment to its nonce, name, target id prefix
    pair_response = 0x0c, // responder: session, its nonce, name
    pair_reveal = 0x0d,   // initiator: session, its nonce
    pair_confirm = 0x0e,  // either: session (its user accepted)
    // network weather (weather.hpp)
    weather_report = 0x0f, // what a node does and measures, every few seconds and on change
    // search (search.hpp); 0x12-0x17 are kept for sharing
    search_query = 0x10,  // a signed query with a nonce, to the group
    search_answer = 0x11, // a node's matches, by unicast to the querier, bound to its nonce
};

// The byte on the wire.
constexpr std::uint8_t type_byte(MessageType t) {
    return static_cast<std::uint8_t>(t);
}

// The type a byte names, when the registry has it (a receiver still accepts other non-zero
// bytes: it drops what no handler takes as `unhandled`).
MCAST_API std::optional<MessageType> message_type(std::uint8_t byte);

// The name used in docs/protocol.md and the dissector ("ping_probe").
MCAST_API std::string_view to_string(MessageType t);

} // namespace mcast
