// RangeBody's writer (Beast's BodyWriter): hands the serializer the text, or the file range read
// with pread in 64 KiB pieces.
#pragma once

#include <mcast/share/request_handler.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <memory>
#include <utility>

namespace mcast::share {

class RangeBody::writer {
public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec);

private:
    static constexpr std::size_t piece = 64 * 1024;
    const value_type& body_;
    std::uint64_t done_ = 0;
    std::unique_ptr<char[]> buffer_;
};

} // namespace mcast::share
