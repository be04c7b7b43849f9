// Output discipline for every subcommand; see output.hpp.
#include "output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace mcast::cli {

Output::Output(std::string command, bool json, bool quiet, bool verbose)
    : command_(std::move(command)), json_(json), quiet_(quiet), verbose_(verbose) {
    const char* no_color = std::getenv("NO_COLOR");
    color_ = !json && ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

void Output::write_stdout(std::string_view s) {
    if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size() || std::fflush(stdout) != 0) {
        if (errno == EPIPE) throw PipeClosed{};
        throw std::runtime_error("cannot write to standard output");
    }
}

void Output::record(const boost::json::object& o) {
    std::string s = boost::json::serialize(o);
    s += '\n';
    write_stdout(s);
}

void Output::line(std::string_view text) {
    std::string s(text);
    s += '\n';
    write_stdout(s);
}

void Output::note(std::string_view text) {
    if (quiet_) return;
    std::fprintf(stderr, "mcast %s: %.*s\n", command_.c_str(), static_cast<int>(text.size()),
                 text.data());
}

void Output::debug(std::string_view text) {
    if (!verbose_) return;
    std::fprintf(stderr, "mcast %s: %.*s\n", command_.c_str(), static_cast<int>(text.size()),
                 text.data());
}

void Output::error(std::string_view message) {
    std::fprintf(stderr, "mcast %s: %.*s\n", command_.c_str(), static_cast<int>(message.size()),
                 message.data());
    if (json_) {
        try {
            record({{"type", "error"}, {"command", command_}, {"message", message}});
        } catch (const PipeClosed&) {
        }
    }
}

} // namespace mcast::cli
