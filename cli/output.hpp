// Where every byte the CLI prints goes through: records on stdout (human lines or JSON Lines,
// flushed one by one so a pipe sees each at once, or in a networked command's event loop once
// the loop has handled what arrived together, before it waits again), notes and errors on
// stderr, and a closed pipe turned into a quiet exit 0 (as ripgrep does).
#pragma once

#include <boost/json.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcast::cli {

// Printable form of untrusted text: ASCII and C1 controls, line/paragraph separators and bidi
// overrides written as escapes, and '"' and '\' escaped so that the result reads unambiguously.
// The one escaping of the CLI: table cells and human records call it; note(), debug(), error()
// and prompt() apply it to their whole text, so a network string can reach stderr no other way.
// They pass quotes = false: a line of their own, not a quoted string, shows '"' as it is (an
// error quotes JSON such as {"bytes": BASE64}); '\' stays escaped, so escapes stay unambiguous.
std::string escape_text(std::string_view s, bool quotes = true);

// The JSON text of v as mcast writes it (docs/json.md): compact, and every float64 in plain
// decimal with a fraction, never in exponent notation ("0.049444", "0.0", "1000.0"), so that a
// float stays a float and tools without a JSON parser (awk, sort -n, grep) read it; the
// digits are the shortest that read back as the same double. A non-finite double (which JSON
// cannot hold) is written as null.
std::string json_text(const boost::json::value& v);

// Thrown when stdout's reader went away; main() exits 0 without a word.
struct PipeClosed : std::exception {};

enum Status : int { exit_ok = 0, exit_nothing = 1, exit_error = 2 };

class Output {
public:
    Output(std::string command, bool json, bool quiet, bool verbose);

    bool json() const { return json_; }
    bool quiet() const { return quiet_; }
    bool verbose() const { return verbose_; }

    void record(const boost::json::object& o); // one JSON line on stdout
    void line(std::string_view text);          // one human line on stdout
    void note(std::string_view text);          // stderr, unless -q
    void debug(std::string_view text);         // stderr, only with -v
    // "mcast CMD: message" on stderr; with --json also {"type":"error",...} on stdout.
    void error(std::string_view message);
    // "mcast CMD: warning: message" on stderr, unless -q; with --json also a record
    // {"type":"warning","command":…,"message":…} with `fields` added, -q or not.
    void warning(std::string_view message, const boost::json::object& fields = {});
    // A question on stderr without a newline ("Does alice show the code 123456? [y/N] ").
    void prompt(std::string_view question);

    bool color() const { return color_; }

    // Records are flushed at once unless `post` is set: then the first record after a flush
    // hands `post` the flush to run later (RunLoop posts it to its io_context, so the burst of
    // records one wake-up of the loop writes, such as listen's for 64 datagrams, costs one
    // write), and stderr output flushes what stdout holds first. An empty `post` flushes now
    // and goes back to flushing each record.
    void flush_later(std::function<void(std::function<void()>)> post);
    void flush(); // what stdout holds, now; throws PipeClosed as a record would

    // A status line on stderr, redrawn in place ("speed: 1200 sent, 1000/s"), for a person
    // watching a long run: only when stderr is a terminal, without --json and -q. Whatever is
    // printed next clears it first, so it never mixes with records.
    bool shows_progress() const { return progress_enabled_; }
    void progress(std::string_view text);
    void end_progress();

    ~Output();
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

private:
    void write_stdout(std::string_view s);
    void write_stderr(std::string_view text, bool newline); // "mcast CMD: " + escape_text(text)
    std::string command_;
    bool json_, quiet_, verbose_, color_;
    bool progress_enabled_ = false, progress_shown_ = false;
    std::function<void(std::function<void()>)> post_flush_;
    bool flush_posted_ = false;
};

} // namespace mcast::cli
