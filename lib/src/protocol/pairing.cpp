// Pairing payloads, commitment and code; see pairing.hpp.
#include "protocol/tuple_fields.hpp"

#include <mcast/pairing.hpp>

#include "protocol/sha256.hpp"

#include <cstdio>

namespace mcast {

using detail::bytes_value;
using detail::fixed_bytes;

namespace {

Digest sha256_of(std::string_view domain, std::initializer_list<ByteView> parts) {
    const ByteView tag(reinterpret_cast<const std::uint8_t*>(domain.data()), domain.size());
    return detail::sha256({tag}, parts);
}

} // namespace

Tuple encode_pair(const PairRequest& m) {
    Tuple t;
    t.emplace_back(bytes_value(m.session));
    t.emplace_back(bytes_value(m.commitment));
    t.emplace_back(m.name);
    t.emplace_back(bytes_value(m.target));
    return t;
}
Tuple encode_pair(const PairResponse& m) {
    Tuple t;
    t.emplace_back(bytes_value(m.session));
    t.emplace_back(bytes_value(m.nonce));
    t.emplace_back(m.name);
    return t;
}
Tuple encode_pair(const PairReveal& m) {
    Tuple t;
    t.emplace_back(bytes_value(m.session));
    t.emplace_back(bytes_value(m.nonce));
    return t;
}
Tuple encode_pair(const PairConfirm& m) {
    Tuple t;
    t.emplace_back(bytes_value(m.session));
    return t;
}

std::optional<PairRequest> decode_pair_request(const Tuple& t) {
    PairRequest m;
    if (t.size() != 4 || !fixed_bytes(t[0], m.session) || !fixed_bytes(t[1], m.commitment) ||
        !t[2].is<std::string>() || !fixed_bytes(t[3], m.target))
        return std::nullopt;
    m.name = t[2].as<std::string>();
    return m;
}
std::optional<PairResponse> decode_pair_response(const Tuple& t) {
    PairResponse m;
    if (t.size() != 3 || !fixed_bytes(t[0], m.session) || !fixed_bytes(t[1], m.nonce) ||
        !t[2].is<std::string>())
        return std::nullopt;
    m.name = t[2].as<std::string>();
    return m;
}
std::optional<PairReveal> decode_pair_reveal(const Tuple& t) {
    PairReveal m;
    if (t.size() != 2 || !fixed_bytes(t[0], m.session) || !fixed_bytes(t[1], m.nonce))
        return std::nullopt;
    return m;
}
std::optional<PairConfirm> decode_pair_confirm(const Tuple& t) {
    PairConfirm m;
    if (t.size() != 1 || !fixed_bytes(t[0], m.session)) return std::nullopt;
    return m;
}

Digest pair_commitment(const Nonce& nonce) {
    return sha256_of(std::string_view("mcast-pair-commit-v1\0", 21), {ByteView(nonce)});
}

std::string pair_code(const PublicKeyBytes& initiator, const PublicKeyBytes& responder,
                      const Nonce& initiator_nonce, const Nonce& responder_nonce) {
    auto d = sha256_of(std::string_view("mcast-pair-sas-v1\0", 18),
                       {ByteView(initiator), ByteView(responder), ByteView(initiator_nonce),
                        ByteView(responder_nonce)});
    std::uint64_t v = (std::uint64_t{d[0]} << 24) | (std::uint64_t{d[1]} << 16) |
                      (std::uint64_t{d[2]} << 8) | d[3];
    v %= 1'000'000;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03u %03u", static_cast<unsigned>(v / 1000),
                  static_cast<unsigned>(v % 1000));
    return buf;
}

} // namespace mcast
