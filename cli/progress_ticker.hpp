// The terminal's status line for long runs (ping, ping --speed): Output::progress() redrawn four
// times a second while the io_context runs, and cleared when the ticker goes away. Does nothing
// when Output shows no progress (a pipe, --json, -q, TERM=dumb).
#pragma once

#include "output.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <string>

namespace mcast::cli {

class ProgressTicker {
public:
    ProgressTicker(boost::asio::io_context& io, Output& out, std::function<std::string()> text);
    ~ProgressTicker();
    ProgressTicker(const ProgressTicker&) = delete;
    ProgressTicker& operator=(const ProgressTicker&) = delete;

private:
    void tick();
    Output& out_;
    std::function<std::string()> text_;
    boost::asio::steady_timer timer_;
};

} // namespace mcast::cli
