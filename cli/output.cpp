// Output discipline for every subcommand; see output.hpp.
#include "output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace mcast::cli {

Output::Output(std::string command, bool json, bool quiet, bool verbose)
    : command_(std::move(command)), json_(json), quiet_(quiet), verbose_(verbose) {
    const char* no_color = std::getenv("NO_COLOR");
    color_ = !json && ::isatty(STDOUT_FILENO) && !(no_color && *no_color);
    // A dumb terminal cannot erase a line: no status line there.
    const char* term = std::getenv("TERM");
    progress_enabled_ =
        !json && !quiet && ::isatty(STDERR_FILENO) && !(term && std::string_view(term) == "dumb");
}

Output::~Output() {
    end_progress();
}

void Output::progress(std::string_view text) {
    if (!progress_enabled_) return;
    // \r and "erase to end of line": the new status replaces the old one in place.
    std::fprintf(stderr, "\r\x1b[K%.*s", static_cast<int>(text.size()), text.data());
    std::fflush(stderr);
    progress_shown_ = true;
}

void Output::end_progress() {
    if (!progress_shown_) return;
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    progress_shown_ = false;
}

void Output::write_stdout(std::string_view s) {
    end_progress();
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
    end_progress();
    std::fprintf(stderr, "mcast %s: %.*s\n", command_.c_str(), static_cast<int>(text.size()),
                 text.data());
}

void Output::debug(std::string_view text) {
    if (!verbose_) return;
    end_progress();
    std::fprintf(stderr, "mcast %s: %.*s\n", command_.c_str(), static_cast<int>(text.size()),
                 text.data());
}

void Output::error(std::string_view message) {
    end_progress();
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
