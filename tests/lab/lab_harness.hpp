// lab_harness: what the lab tests need to run the real `mcast` binary on several hosts at once. It
// makes netlab labs (network namespaces on a bridge that lives in a namespace of its own) and runs
// processes in them with their output captured, so a test can wait for a line, send a signal and
// check an exit code while no datagram ever reaches this machine's own interfaces. It does not
// depend on GoogleTest; tests skip when lab_unavailable_reason() says why labs cannot be made here.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace mcast::testlab {

// Where the tools are: the environment (MCAST_NETLAB, MCAST_BIN) wins over the paths compiled in
// (MCAST_NETLAB_PATH, MCAST_BIN_PATH); without either, the name is looked up on PATH.
struct Paths {
    static std::string netlab();
    static std::string mcast();
};

// Why labs cannot be made here (from `netlab check`), or nullopt when they can. Checked once per
// process.
//   if (auto why = lab_unavailable_reason()) GTEST_SKIP() << *why;
std::optional<std::string> lab_unavailable_reason();

enum class Stream { out, err };

// A child process with its stdout and stderr read through pipes (both polled, so neither can fill
// up and stall the child) and stdin from /dev/null or from a pipe. The child leads a process group
// of its own; kill() and the destructor end the whole group.
//   auto p = Process::spawn({"ping", "-c1", "10.77.0.2"});
//   if (p.wait(5s) != 0) std::cerr << p.err();
class Process {
public:
    // Starts argv (argv[0] is looked up on PATH). Throws std::system_error when it cannot be
    // started.
    static Process spawn(std::vector<std::string> argv, bool with_stdin = false);

    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process(); // kills the process group and reaps the child if it is still running

    // Writes all of data to the child's stdin (spawned with_stdin), reading its output meanwhile.
    // Throws std::runtime_error when there is no stdin pipe, the child closed it, or it takes
    // longer than timeout.
    void write_stdin(std::string_view data,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void close_stdin();

    // Waits for a line of the chosen stream in which re finds a match (std::regex_search) and
    // returns it without its newline; nullopt on timeout, or when the stream has ended with no such
    // line. Each stream has a cursor: a match moves it past the matched line, so the next call
    // looks only at later lines (earlier lines that did not match stay behind the cursor). A last
    // line without a newline counts once the stream has ended.
    std::optional<std::string> wait_for_line(Stream which, const std::regex& re,
                                             std::chrono::milliseconds timeout);

    // Waits for the child to exit, reading its output meanwhile. Returns the exit code (128 +
    // signal number when it was killed by a signal) or nullopt on timeout. Once it has exited,
    // returns the same code at once.
    std::optional<int> wait(std::chrono::milliseconds timeout);

    void signal(int sig); // to the child only; nothing once it has been reaped
    void kill();          // SIGKILL to its process group, then reap

    bool running() const { return !status_.has_value(); }
    pid_t pid() const { return pid_; }

    // Everything read so far; reading goes on in wait(), wait_for_line() and write_stdin().
    const std::string& out() const { return out_.data; }
    const std::string& err() const { return err_.data; }
    std::vector<std::string> out_lines() const;
    std::vector<std::string> err_lines() const;

private:
    struct Pipe {
        int fd = -1;
        std::string data;
        std::size_t cursor = 0; // start of the first line wait_for_line() has not consumed
        bool eof() const { return fd < 0; }
    };

    Process() = default;
    void pump(std::chrono::steady_clock::time_point deadline, bool want_stdin_writable = false);
    void read_available(Pipe& pipe);
    void try_reap();
    void release() noexcept;

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int stdin_fd_ = -1;
    Pipe out_;
    Pipe err_;
    std::optional<int> status_; // exit code once reaped
};

// What run_command() collected.
struct CommandResult {
    int code = -1;
    std::string out;
    std::string err;
};

// Runs argv to the end and returns its exit code and output. Throws std::runtime_error (after
// killing it) when it has not exited within timeout.
CommandResult run_command(std::vector<std::string> argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A netlab lab that exists from construction to destruction: hosts 1..N named h1..hN,
// IPv4 10.77.0.N/24 and an IPv6 link-local address each, on one bridge that floods multicast. The
// destructor removes it (and never throws); the lab is also recorded as owned by this process, so
// `netlab gc` removes it should the process die.
//   Lab lab(3);
//   auto listener = lab.spawn_mcast(1, {"listen", "--count", "1", "--json"});
//   listener.wait_for_line(Stream::out, std::regex("listening"), 5s);
class Lab {
public:
    // Creates the lab under a unique name: prefix (lowercase letters, digits, '-') + pid + counter,
    // <= 12 characters. Throws std::invalid_argument for a bad prefix or host count,
    // std::runtime_error when netlab fails (with its message).
    explicit Lab(int hosts, std::string prefix = "t");
    // The same, with more options for `netlab create` (e.g. {"--gateway", "--uplink",
    // "10mbit/30mbit"}: a router "gw" with NAT to a "wan" namespace, see netlab help).
    Lab(int hosts, std::string prefix, std::vector<std::string> create_options);
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;
    ~Lab();

    const std::string& name() const { return name_; }
    int hosts() const { return hosts_; }

    // {netlab, "exec", name, "hI", argv...}: argv run in host I.
    std::vector<std::string> exec_argv(int host, std::vector<std::string> argv) const;
    // The same for the router ("gw") or the WAN ("wan") of a lab made with --gateway, or the
    // router ("rt") of one made with --routed.
    std::vector<std::string> exec_argv(const std::string& node,
                                       std::vector<std::string> argv) const;
    Process spawn(const std::string& node, std::vector<std::string> argv) const;
    Process spawn(int host, std::vector<std::string> argv, bool with_stdin = false) const;
    // spawn() with Paths::mcast() put in front of args.
    Process spawn_mcast(int host, std::vector<std::string> args, bool with_stdin = false) const;
    // Runs argv in host I to the end and returns its exit code; throws std::runtime_error on
    // timeout.
    int run(int host, std::vector<std::string> argv,
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    // The host's IPv4 address (family 4) or IPv6 link-local address (family 6), without prefix
    // length.
    std::string addr(int host, int family) const;
    // The host's ULA IPv6 address (a --gateway or --routed lab), without prefix length.
    std::string ula(int host) const;
    // The routing daemon of a --routed lab: "stop", "start" (the one it was created with), or
    // "status" (returns the kernel's multicast routes).
    std::string router(const std::string& action) const;
    // Drops pct% (0-100) of the host's packets, dir "in", "out" or "both"; pct 0 removes all loss.
    void loss(int host, int pct, std::string dir = "in") const;
    // Plugs a second interface into the host ("up"), or takes it "down" or removes it ("del").
    void link(int host, const std::string& ifname, const std::string& action = "up") const;

private:
    void check_host(int host) const;

    std::string name_;
    int hosts_ = 0;
};

} // namespace mcast::testlab
