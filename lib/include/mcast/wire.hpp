// Datagram codec for wire format v1 (docs/protocol.md section 3): building signed datagrams and
// parsing received ones. Pure functions over bytes; no sockets, no clocks.
#pragma once

#include <mcast/bytes.hpp>
#include <mcast/drop_reason.hpp>
#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/message_type.hpp>
#include <mcast/value.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcast {

inline constexpr std::uint8_t wire_version = 1;
inline constexpr std::size_t header_fixed_size = 65; // through the topic length byte
inline constexpr std::size_t min_datagram_size = 133;
inline constexpr std::size_t max_topic_size = 255;
inline constexpr std::size_t max_payload_size = 65000;
inline constexpr std::size_t max_datagram_size =
    min_datagram_size + max_topic_size + max_payload_size;
inline constexpr std::string_view signature_domain{"mcast-datagram-v1\0", 18};
inline constexpr std::uint16_t critical_flags_mask = 0x00ff;
// Flag bit 0 (critical): the datagram is batch-signed (docs/protocol.md section 3.4). Receivers
// of versions before batch signing drop it as `bad_flags`.
inline constexpr std::uint16_t batch_flag = 0x0001;
// A batch holds 1-32 datagrams; its paths hold ceil(log2 size) hashes of 32 bytes.
inline constexpr std::size_t max_batch_size = 32;
// The batch size, the index and the root, between the payload and the path.
inline constexpr std::size_t batch_fields_size = 34;
// The domain of the signature over a batch's root; distinct from signature_domain, so that a
// batch signature never verifies as a datagram's signature, nor the reverse.
inline constexpr std::string_view batch_signature_domain{"mcast-batch-v1\0", 15};

// Everything in a datagram except the payload and the signature.
struct Header {
    std::uint8_t type = static_cast<std::uint8_t>(MessageType::data);
    std::uint16_t flags = 0;
    PublicKeyBytes sender{};
    std::uint64_t incarnation = 0;
    std::uint64_t seq = 0;
    std::int64_t timestamp_ns = 0; // sender wall clock, ns since the Unix epoch
    std::string topic;
};

// Thrown when a message cannot be built (payload or topic too large, invalid topic).
struct MCAST_API EncodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Builds a signed datagram. `h.sender` is ignored and taken from `id`.
MCAST_API ByteBuffer encode_datagram(const Header& h, const Tuple& values, const Identity& id);

// Builds a datagram without its signature (nor batch fields): everything a signature or a
// batch's leaf covers. Same checks as encode_datagram; `h.flags` is written as given.
MCAST_API ByteBuffer encode_body(const Header& h, const Tuple& values,
                                 const PublicKeyBytes& sender);

// The batch fields of a batch-signed datagram (section 3.4), pointing into the datagram.
struct BatchFields {
    std::uint8_t size = 0;              // 1-32
    std::uint8_t index = 0;             // below size
    const std::uint8_t* root = nullptr; // 32 bytes
    ByteView path;                      // ceil(log2 size) hashes of 32 bytes
};

// A datagram split into its parts; the views point into the datagram passed to parse_header.
struct ParsedHeader {
    Header header;        // topic not yet validated as UTF-8
    ByteView payload;     // the tuple bytes
    ByteView signed_part; // bytes covered by the signature (without the domain prefix); for a
                          // batch-signed datagram, the bytes its leaf covers
    const std::uint8_t* signature = nullptr;
    std::optional<BatchFields> batch; // set when batch-signed (flag bit 0)
};

struct HeaderParseResult {
    std::optional<DropReason> error;
    ParsedHeader parsed;
};

// Steps 1-4 of docs/protocol.md section 6: size, magic, version, type, flags, lengths, and the
// encodings of the sender key and the signature (strict Ed25519). Cheap.
MCAST_API HeaderParseResult parse_header(ByteView datagram);

// Verifies the signature of a parsed datagram with `v` (which must be for header.sender). For a
// batch-signed datagram: its path leads to its root, and the root's signature verifies.
MCAST_API bool verify_signature(const ParsedHeader& p, const Verifier& v);
// Batch-signed datagrams only. Whether the datagram's leaf and path lead to the root it carries:
// hashes only, no signature.
MCAST_API bool batch_path_matches(const ParsedHeader& p);
// Whether the root's signature verifies (the expensive step, once per root).
MCAST_API bool verify_batch_root(const ParsedHeader& p, const Verifier& v);
// The message a batch signature covers: batch_signature_domain || size || root.
MCAST_API ByteBuffer batch_root_message(std::uint8_t size, const std::uint8_t* root);

// A fully decoded datagram, for tests and tools that want everything at once (no replay state).
struct DecodedDatagram {
    std::optional<DropReason> error;
    Header header;
    Tuple values;
    Signature signature{};
};
MCAST_API DecodedDatagram decode_datagram(ByteView datagram);

} // namespace mcast
