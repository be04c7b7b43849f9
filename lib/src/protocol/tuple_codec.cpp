// The typed tuple codec. Decoding never allocates more than the payload can hold: every count is
// checked against the bytes left before anything is reserved.
#include "protocol/byte_order.hpp"

#include <mcast/tuple_codec.hpp>

#include <bit>
#include <cstring>

namespace mcast {

namespace {

enum Tag : std::uint8_t {
    tag_null = 0x00,
    tag_false = 0x01,
    tag_true = 0x02,
    tag_int = 0x03,
    tag_float = 0x04,
    tag_string = 0x05,
    tag_bytes = 0x06,
    tag_list = 0x07,
};

void encode_value(const Value& v, ByteBuffer& out);

void encode_items(const List& items, ByteBuffer& out) {
    detail::put_be(out, static_cast<std::uint32_t>(items.size()));
    for (const auto& item : items)
        encode_value(item, out);
}

void encode_value(const Value& v, ByteBuffer& out) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                out.push_back(tag_null);
            } else if constexpr (std::is_same_v<T, bool>) {
                out.push_back(x ? tag_true : tag_false);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                out.push_back(tag_int);
                detail::put_be(out, static_cast<std::uint64_t>(x));
            } else if constexpr (std::is_same_v<T, double>) {
                out.push_back(tag_float);
                detail::put_be(out, std::bit_cast<std::uint64_t>(x));
            } else if constexpr (std::is_same_v<T, std::string>) {
                out.push_back(tag_string);
                detail::put_be(out, static_cast<std::uint32_t>(x.size()));
                out.insert(out.end(), x.begin(), x.end());
            } else if constexpr (std::is_same_v<T, Bytes>) {
                out.push_back(tag_bytes);
                detail::put_be(out, static_cast<std::uint32_t>(x.data.size()));
                out.insert(out.end(), x.data.begin(), x.data.end());
            } else {
                out.push_back(tag_list);
                encode_items(x, out);
            }
        },
        v.v);
}

std::size_t value_size(const Value& v) {
    return std::visit(
        [](const auto& x) -> std::size_t {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::nullptr_t> || std::is_same_v<T, bool>)
                return 1;
            else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>)
                return 9;
            else if constexpr (std::is_same_v<T, std::string>)
                return 5 + x.size();
            else if constexpr (std::is_same_v<T, Bytes>)
                return 5 + x.data.size();
            else {
                std::size_t n = 5;
                for (const auto& item : x)
                    n += value_size(item);
                return n;
            }
        },
        v.v);
}

class Decoder {
public:
    explicit Decoder(ByteView in) : p_(in.data()), end_(in.data() + in.size()) {}

    std::optional<DropReason> items(List& out, int depth) {
        std::uint32_t count;
        if (!u32(count)) return DropReason::truncated;
        if (count > left()) return DropReason::truncated; // each value is at least one byte
        // Bounded reserve: nested lists must not multiply a small datagram into a large heap.
        out.reserve(std::min<std::uint32_t>(count, 256));
        for (std::uint32_t i = 0; i < count; ++i) {
            if (auto e = value(out, depth)) return e;
        }
        return std::nullopt;
    }

    bool at_end() const { return p_ == end_; }

private:
    std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }

    bool u32(std::uint32_t& v) {
        if (left() < 4) return false;
        v = detail::get_be<std::uint32_t>(p_);
        p_ += 4;
        return true;
    }

    std::optional<DropReason> value(List& out, int depth) {
        if (left() < 1) return DropReason::truncated;
        std::uint8_t tag = *p_++;
        switch (tag) {
        case tag_null:
            out.emplace_back(nullptr);
            return std::nullopt;
        case tag_false:
            out.emplace_back(false);
            return std::nullopt;
        case tag_true:
            out.emplace_back(true);
            return std::nullopt;
        case tag_int:
        case tag_float: {
            if (left() < 8) return DropReason::truncated;
            auto bits = detail::get_be<std::uint64_t>(p_);
            p_ += 8;
            if (tag == tag_int)
                out.emplace_back(static_cast<std::int64_t>(bits));
            else
                out.emplace_back(std::bit_cast<double>(bits));
            return std::nullopt;
        }
        case tag_string:
        case tag_bytes: {
            std::uint32_t len;
            if (!u32(len) || len > left()) return DropReason::truncated;
            const auto* start = p_;
            p_ += len;
            if (tag == tag_string) {
                std::string s(reinterpret_cast<const char*>(start), len);
                if (!is_valid_utf8(s)) return DropReason::bad_utf8;
                out.emplace_back(std::move(s));
            } else {
                out.emplace_back(Bytes{ByteBuffer(start, start + len)});
            }
            return std::nullopt;
        }
        case tag_list: {
            if (depth + 1 > max_list_depth) return DropReason::too_deep;
            List inner;
            if (auto e = items(inner, depth + 1)) return e;
            out.emplace_back(std::move(inner));
            return std::nullopt;
        }
        default:
            return DropReason::unknown_type;
        }
    }

    const std::uint8_t* p_;
    const std::uint8_t* end_;
};

} // namespace

void encode_tuple(const Tuple& t, ByteBuffer& out) {
    encode_items(t, out);
}

std::size_t encoded_size(const Tuple& t) {
    std::size_t n = 4;
    for (const auto& v : t)
        n += value_size(v);
    return n;
}

TupleDecodeResult decode_tuple(ByteView payload) {
    TupleDecodeResult r;
    Decoder d(payload);
    if (auto e = d.items(r.values, 0)) {
        r.error = e;
        r.values.clear();
        return r;
    }
    if (!d.at_end()) {
        r.error = DropReason::trailing;
        r.values.clear();
    }
    return r;
}

} // namespace mcast
