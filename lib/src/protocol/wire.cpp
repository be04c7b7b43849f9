// Wire format v1: build signed datagrams, split received ones into checked parts. The layout
// is docs/protocol.md section 3; the signature covers a domain prefix plus the datagram body.
#include "protocol/byte_order.hpp"
#include "protocol/merkle.hpp"

#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <cstring>

namespace mcast {

namespace {

constexpr std::uint8_t magic[4] = {'M', 'C', 'S', 'T'};

int list_depth(const List& items, int depth) {
    int deepest = depth;
    for (const auto& v : items)
        if (v.is<List>()) deepest = std::max(deepest, list_depth(v.as<List>(), depth + 1));
    return deepest;
}

bool strings_valid(const List& items) {
    for (const auto& v : items) {
        if (v.is<std::string>() && !is_valid_utf8(v.as<std::string>())) return false;
        if (v.is<List>() && !strings_valid(v.as<List>())) return false;
    }
    return true;
}

} // namespace

namespace {

// The checks of every encoder; returns the payload's size.
std::size_t check_encodable(const Header& h, const Tuple& values) {
    if (h.topic.size() > max_topic_size)
        throw EncodeError("topic is " + std::to_string(h.topic.size()) + " bytes (at most " +
                          std::to_string(max_topic_size) + ")");
    if (!is_valid_utf8(h.topic)) throw EncodeError("topic is not valid UTF-8");
    if (list_depth(values, 0) > max_list_depth)
        throw EncodeError("lists nested deeper than " + std::to_string(max_list_depth));
    if (!strings_valid(values)) throw EncodeError("a string value is not valid UTF-8");
    std::size_t payload = encoded_size(values);
    if (payload > max_payload_size)
        throw EncodeError("message payload is " + std::to_string(payload) + " bytes (at most " +
                          std::to_string(max_payload_size) + ")");
    if (h.incarnation == 0 || h.seq == 0) throw EncodeError("incarnation and seq must not be 0");
    return payload;
}

// Writes the header, topic and payload after what `buf` holds (the fixed header's room must be
// there already, `at` its start).
void write_body(ByteBuffer& buf, std::size_t at, const Header& h, const Tuple& values,
                const PublicKeyBytes& sender, std::size_t payload) {
    std::uint8_t* p = buf.data() + at;
    std::memcpy(p, magic, 4);
    p[4] = wire_version;
    p[5] = h.type;
    p[6] = static_cast<std::uint8_t>(h.flags >> 8);
    p[7] = static_cast<std::uint8_t>(h.flags);
    std::memcpy(p + 8, sender.data(), public_key_size);
    for (int i = 0; i < 8; ++i) {
        int shift = 56 - 8 * i;
        p[40 + i] = static_cast<std::uint8_t>(h.incarnation >> shift);
        p[48 + i] = static_cast<std::uint8_t>(h.seq >> shift);
        p[56 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(h.timestamp_ns) >> shift);
    }
    p[64] = static_cast<std::uint8_t>(h.topic.size());
    buf.insert(buf.end(), h.topic.begin(), h.topic.end());
    detail::put_be(buf, static_cast<std::uint32_t>(payload));
    encode_tuple(values, buf);
}

} // namespace

ByteBuffer encode_body(const Header& h, const Tuple& values, const PublicKeyBytes& sender) {
    const std::size_t payload = check_encodable(h, values);
    ByteBuffer buf(header_fixed_size);
    buf.reserve(min_datagram_size + h.topic.size() + payload + batch_fields_size +
                32 * merkle_depth(max_batch_size));
    write_body(buf, 0, h, values, sender, payload);
    return buf;
}

ByteBuffer encode_datagram(const Header& h, const Tuple& values, const Identity& id) {
    const std::size_t payload = check_encodable(h, values);
    // The buffer starts with the signature domain so the signed message needs no copy; the
    // fixed header is written in place at the offsets of docs/protocol.md section 3.
    const std::size_t pre = signature_domain.size();
    ByteBuffer buf(pre + header_fixed_size);
    std::memcpy(buf.data(), signature_domain.data(), pre);
    buf.reserve(pre + min_datagram_size + h.topic.size() + payload);
    write_body(buf, pre, h, values, id.public_key(), payload);

    auto sig = id.sign(ByteView(buf));
    buf.insert(buf.end(), sig.begin(), sig.end());
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pre));
    return buf;
}

HeaderParseResult parse_header(ByteView d) {
    HeaderParseResult r;
    auto fail = [&](DropReason why) {
        r.error = why;
        return r;
    };
    if (d.size() < min_datagram_size) return fail(DropReason::too_short);
    if (d.size() > max_datagram_size) return fail(DropReason::too_long);
    if (std::memcmp(d.data(), magic, 4) != 0) return fail(DropReason::bad_magic);
    if (d[4] != wire_version) return fail(DropReason::bad_version);
    auto& h = r.parsed.header;
    h.type = d[5];
    if (h.type == 0) return fail(DropReason::bad_type);
    h.flags = detail::get_be<std::uint16_t>(&d[6]);
    if (h.flags & critical_flags_mask & ~batch_flag) return fail(DropReason::bad_flags);
    const bool batched = (h.flags & batch_flag) != 0;

    std::size_t topic_len = d[64];
    // The payload length field must lie inside the datagram before it is read.
    if (header_fixed_size + topic_len + 4 + signature_size > d.size())
        return fail(DropReason::bad_length);
    std::size_t payload_len = detail::get_be<std::uint32_t>(&d[header_fixed_size + topic_len]);
    const std::size_t body_len = min_datagram_size - signature_size + topic_len + payload_len;
    if (!batched) {
        if (payload_len > max_payload_size || body_len + signature_size != d.size())
            return fail(DropReason::bad_length);
    } else {
        // Section 3.4: the batch fields must lie inside the datagram before they are read; then
        // size, index, and a path of the size's length.
        if (payload_len > max_payload_size ||
            body_len + batch_fields_size + signature_size > d.size())
            return fail(DropReason::bad_length);
        BatchFields b;
        b.size = d[body_len];
        b.index = d[body_len + 1];
        if (b.size == 0 || b.size > max_batch_size) return fail(DropReason::bad_batch);
        if (b.index >= b.size) return fail(DropReason::bad_index);
        const std::size_t path_len = 32 * std::size_t{merkle_depth(b.size)};
        if (body_len + batch_fields_size + path_len + signature_size != d.size())
            return fail(DropReason::bad_batch);
        b.root = &d[body_len + 2];
        b.path = d.subspan(body_len + batch_fields_size, path_len);
        r.parsed.batch = b;
    }

    std::memcpy(h.sender.data(), &d[8], public_key_size);
    h.incarnation = detail::get_be<std::uint64_t>(&d[40]);
    h.seq = detail::get_be<std::uint64_t>(&d[48]);
    h.timestamp_ns = detail::get_be<std::int64_t>(&d[56]);
    if (h.incarnation == 0 || h.seq == 0) return fail(DropReason::bad_header);
    std::size_t payload_at = header_fixed_size + topic_len + 4;
    // Strict Ed25519 (section 6, step 4): encodings that plain verification would accept for
    // any message, or that give one key two ids, are refused before anything else is looked at.
    if (auto why = check_public_key(h.sender)) return fail(*why);
    const std::uint8_t* signature = d.data() + d.size() - signature_size;
    if (auto why = check_signature(signature)) return fail(*why);
    h.topic.assign(reinterpret_cast<const char*>(&d[header_fixed_size]), topic_len);

    r.parsed.payload = d.subspan(payload_at, payload_len);
    // A batch's leaf covers the body and the size and index (section 3.4).
    r.parsed.signed_part = d.first(body_len + (batched ? 2 : 0));
    r.parsed.signature = signature;
    return r;
}

bool batch_path_matches(const ParsedHeader& p) {
    if (!p.batch) return false;
    auto root = merkle_root_from_path(merkle_leaf(p.signed_part), p.batch->index, p.batch->path);
    return std::memcmp(root.data(), p.batch->root, root.size()) == 0;
}

ByteBuffer batch_root_message(std::uint8_t size, const std::uint8_t* root) {
    ByteBuffer m(batch_signature_domain.begin(), batch_signature_domain.end());
    m.push_back(size);
    m.insert(m.end(), root, root + 32);
    return m;
}

bool verify_batch_root(const ParsedHeader& p, const Verifier& v) {
    if (!p.batch) return false;
    return v.verify(ByteView(batch_root_message(p.batch->size, p.batch->root)), p.signature);
}

bool verify_signature(const ParsedHeader& p, const Verifier& v) {
    if (p.batch) return batch_path_matches(p) && verify_batch_root(p, v);
    // Domain prefix and body must be contiguous for one-shot Ed25519; a thread-local scratch
    // buffer keeps this to one memcpy and no allocation in the steady state.
    thread_local ByteBuffer scratch;
    scratch.assign(signature_domain.begin(), signature_domain.end());
    scratch.insert(scratch.end(), p.signed_part.begin(), p.signed_part.end());
    return v.verify(ByteView(scratch), p.signature);
}

DecodedDatagram decode_datagram(ByteView datagram) {
    DecodedDatagram out;
    auto hp = parse_header(datagram);
    if (hp.error) {
        out.error = hp.error;
        return out;
    }
    out.header = hp.parsed.header;
    if (!is_valid_utf8(out.header.topic)) {
        out.error = DropReason::bad_utf8;
        return out;
    }
    auto t = decode_tuple(hp.parsed.payload);
    if (t.error) {
        out.error = t.error;
        return out;
    }
    if (hp.parsed.batch && !batch_path_matches(hp.parsed)) {
        out.error = DropReason::bad_path;
        return out;
    }
    if (hp.parsed.batch ? !verify_batch_root(hp.parsed, Verifier(out.header.sender))
                        : !verify_signature(hp.parsed, Verifier(out.header.sender))) {
        out.error = hp.parsed.batch ? DropReason::forged_root : DropReason::bad_signature;
        return out;
    }
    out.values = std::move(t.values);
    std::memcpy(out.signature.data(), hp.parsed.signature, signature_size);
    return out;
}

} // namespace mcast
