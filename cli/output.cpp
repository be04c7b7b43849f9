// Output discipline for every subcommand; see output.hpp.
#include "output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace mcast::cli {

std::string escape_text(std::string_view s, bool quotes) {
    // Text from the network is signed, not trusted: nothing in it may move the cursor, fake a
    // line, or reorder what the terminal shows. ASCII and C1 controls, line/paragraph separators
    // and bidi overrides are written as escapes.
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        auto next = [&](std::size_t k) -> unsigned {
            return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
        };
        switch (c) {
        case '"':
            out += quotes ? "\\\"" : "\"";
            continue;
        case '\\':
            out += "\\\\";
            continue;
        case '\n':
            out += "\\n";
            continue;
        case '\t':
            out += "\\t";
            continue;
        case '\r':
            out += "\\r";
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7f) {
            out += fmt::format("\\x{:02x}", c);
        } else if (c == 0xc2 && next(1) >= 0x80 && next(1) <= 0x9f) { // C1 control
            out += fmt::format("\\u{{{:04x}}}", next(1));
            i += 1;
        } else if (c == 0xe2 && ((next(1) == 0x80 && next(2) >= 0xa8 && next(2) <= 0xae) ||
                                 (next(1) == 0x81 && next(2) >= 0xa6 && next(2) <= 0xa9))) {
            // U+2028..U+202E (separators, bidi embeddings) and U+2066..U+2069 (bidi isolates)
            unsigned cp = 0x2000u + ((next(1) & 0x3fu) << 6) + (next(2) & 0x3fu);
            out += fmt::format("\\u{{{:04x}}}", cp);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

namespace {

void append_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    // Fixed notation without a precision is the shortest that reads back as d; 400 characters
    // hold the longest (the smallest subnormal, 0.000...5 with 323 zeros).
    char buf[400];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    if (ec != std::errc()) { // cannot happen with this buffer; fall back to a valid number
        out += fmt::format("{}", d);
        return;
    }
    const std::string_view text(buf, static_cast<std::size_t>(end - buf));
    out += text;
    if (text.find('.') == std::string_view::npos) out += ".0";
}

void append_json(std::string& out, const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::double_:
        append_double(out, v.get_double());
        return;
    case boost::json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& e : v.get_array()) {
            if (!first) out += ',';
            first = false;
            append_json(out, e);
        }
        out += ']';
        return;
    }
    case boost::json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, e] : v.get_object()) {
            if (!first) out += ',';
            first = false;
            out += boost::json::serialize(boost::json::string(key));
            out += ':';
            append_json(out, e);
        }
        out += '}';
        return;
    }
    default: // null, bool, integers and strings: Boost.JSON writes them as JSON has them
        out += boost::json::serialize(v);
        return;
    }
}

} // namespace

std::string json_text(const boost::json::value& v) {
    std::string out;
    append_json(out, v);
    return out;
}

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
    auto shown = escape_text(text, false);
    std::fprintf(stderr, "\r\x1b[K%s", shown.c_str());
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
    if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) {
        if (errno == EPIPE) throw PipeClosed{};
        throw std::runtime_error("cannot write to standard output");
    }
    if (!post_flush_) return flush();
    if (flush_posted_) return;
    flush_posted_ = true;
    post_flush_([this] {
        if (flush_posted_) flush();
    });
}

void Output::flush() {
    flush_posted_ = false;
    if (std::fflush(stdout) != 0) {
        if (errno == EPIPE) throw PipeClosed{};
        throw std::runtime_error("cannot write to standard output");
    }
}

void Output::flush_later(std::function<void(std::function<void()>)> post) {
    if (!post) flush();
    post_flush_ = std::move(post);
}

void Output::record(const boost::json::object& o) {
    std::string s = json_text(o);
    s += '\n';
    write_stdout(s);
}

void Output::line(std::string_view text) {
    std::string s(text);
    s += '\n';
    write_stdout(s);
}

void Output::write_stderr(std::string_view text, bool newline) {
    end_progress();
    if (flush_posted_) std::fflush(stdout); // what came first shows first
    auto shown = escape_text(text, false);
    std::fprintf(stderr, "mcast %s: %s%s", command_.c_str(), shown.c_str(), newline ? "\n" : "");
    std::fflush(stderr);
}

void Output::note(std::string_view text) {
    if (!quiet_) write_stderr(text, true);
}

void Output::debug(std::string_view text) {
    if (verbose_) write_stderr(text, true);
}

void Output::prompt(std::string_view question) {
    write_stderr(question, false);
}

void Output::warning(std::string_view message, const boost::json::object& fields) {
    if (!quiet_) write_stderr(fmt::format("warning: {}", message), true);
    if (json_) {
        boost::json::object o{{"type", "warning"}, {"command", command_}, {"message", message}};
        for (const auto& [k, v] : fields)
            o[k] = v;
        try {
            record(o);
        } catch (const PipeClosed&) {
        }
    }
}

void Output::error(std::string_view message) {
    write_stderr(message, true);
    if (json_) {
        try {
            record({{"type", "error"}, {"command", command_}, {"message", message}});
        } catch (const PipeClosed&) {
        }
    }
}

} // namespace mcast::cli
