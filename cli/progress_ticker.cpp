// See progress_ticker.hpp.
#include "progress_ticker.hpp"

#include <chrono>

namespace mcast::cli {

ProgressTicker::ProgressTicker(boost::asio::io_context& io, Output& out,
                               std::function<std::string()> text)
    : out_(out), text_(std::move(text)), timer_(io) {
    if (out_.shows_progress()) tick();
}

ProgressTicker::~ProgressTicker() {
    out_.end_progress();
}

void ProgressTicker::tick() {
    out_.progress(text_());
    timer_.expires_after(std::chrono::milliseconds(250));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

} // namespace mcast::cli
