// lab_harness: the process plumbing behind the lab tests (posix_spawn, one poll loop over the
// child's pipes and a pidfd, exit codes) and the thin Lab wrapper that drives scripts/netlab. All
// lab setup lives in netlab, so a person can reproduce any test's lab by hand with the same
// commands.
#include "lab_harness.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace mcast::testlab {
namespace {

using Clock = std::chrono::steady_clock;

// Without a pidfd, poll() wakes this often to notice that the child has exited.
constexpr auto kReapSlice = std::chrono::milliseconds(20);

std::string env_or(const char* var, std::string fallback) {
    const char* value = std::getenv(var);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) {
        return c != ' ' && c != '\n' && c != '\t' && c != '\r';
    };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

std::string join(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) {
        if (!s.empty()) s += ' ';
        s += a;
    }
    return s;
}

std::vector<std::string> split_lines(const std::string& data) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < data.size()) {
        auto nl = data.find('\n', start);
        if (nl == std::string::npos) nl = data.size();
        lines.push_back(data.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

void close_fd(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        throw std::system_error(errno, std::generic_category(), "fcntl(O_NONBLOCK)");
}

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    return fd >= 0 ? static_cast<int>(fd) : -1;
#else
    (void)pid;
    return -1;
#endif
}

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Owns the fds of a pipe until they are handed over.
struct PipeFds {
    int read = -1;
    int write = -1;
    PipeFds() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0)
            throw std::system_error(errno, std::generic_category(), "pipe2");
        read = fds[0];
        write = fds[1];
    }
    PipeFds(const PipeFds&) = delete;
    PipeFds& operator=(const PipeFds&) = delete;
    ~PipeFds() {
        close_fd(read);
        close_fd(write);
    }
};

struct SpawnFileActions {
    posix_spawn_file_actions_t actions;
    SpawnFileActions() { posix_spawn_file_actions_init(&actions); }
    ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions); }
    SpawnFileActions(const SpawnFileActions&) = delete;
    SpawnFileActions& operator=(const SpawnFileActions&) = delete;
};

struct SpawnAttr {
    posix_spawnattr_t attr;
    SpawnAttr() { posix_spawnattr_init(&attr); }
    ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
    SpawnAttr(const SpawnAttr&) = delete;
    SpawnAttr& operator=(const SpawnAttr&) = delete;
};

std::string base36(unsigned long value) {
    const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string s;
    do {
        s.insert(s.begin(), digits[value % 36]);
        value /= 36;
    } while (value != 0);
    return s;
}

} // namespace

// ---- Paths
// ------------------------------------------------------------------------------------------------

std::string Paths::netlab() {
#ifdef MCAST_NETLAB_PATH
    return env_or("MCAST_NETLAB", MCAST_NETLAB_PATH);
#else
    return env_or("MCAST_NETLAB", "netlab");
#endif
}

std::string Paths::mcast() {
#ifdef MCAST_BIN_PATH
    return env_or("MCAST_BIN", MCAST_BIN_PATH);
#else
    return env_or("MCAST_BIN", "mcast");
#endif
}

std::optional<std::string> lab_unavailable_reason() {
    static const std::optional<std::string> reason = []() -> std::optional<std::string> {
        try {
            const auto r = run_command({Paths::netlab(), "check"}, std::chrono::seconds(30));
            if (r.code == 0) return std::nullopt;
            std::string why = trim(r.err);
            if (why.empty())
                why = "netlab check exited with " + std::to_string(r.code);
            else if (r.code != 77)
                why += " (netlab check exited with " + std::to_string(r.code) + ")";
            return why;
        } catch (const std::exception& e) {
            return "cannot run '" + Paths::netlab() + " check': " + e.what();
        }
    }();
    return reason;
}

// ---- Process
// ----------------------------------------------------------------------------------------------

Process Process::spawn(std::vector<std::string> argv, bool with_stdin) {
    if (argv.empty()) throw std::invalid_argument("Process::spawn: empty argv");
    PipeFds out;
    PipeFds err;
    std::optional<PipeFds> in;
    if (with_stdin) in.emplace();

    SpawnFileActions fa;
    if (in)
        posix_spawn_file_actions_adddup2(&fa.actions, in->read, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa.actions, out.write, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa.actions, err.write, STDERR_FILENO);

    // Its own process group (so kill() reaches its children too), no blocked signals, default
    // dispositions.
    SpawnAttr sa;
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setpgroup(&sa.attr, 0);
    posix_spawnattr_setsigmask(&sa.attr, &none);
    posix_spawnattr_setsigdefault(&sa.attr, &all);
    posix_spawnattr_setflags(&sa.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                           POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (auto& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, cargv[0], &fa.actions, &sa.attr, cargv.data(), environ);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "spawn " + argv[0]);

    Process p;
    p.pid_ = pid;
    p.pidfd_ = open_pidfd(pid);
    p.out_.fd = std::exchange(out.read, -1);
    p.err_.fd = std::exchange(err.read, -1);
    set_nonblocking(p.out_.fd);
    set_nonblocking(p.err_.fd);
    if (in) {
        p.stdin_fd_ = std::exchange(in->write, -1);
        set_nonblocking(p.stdin_fd_);
    }
    return p; // the child's ends close with out, err and in
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::exchange(other.pidfd_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)), out_(std::move(other.out_)),
      err_(std::move(other.err_)), status_(other.status_) {
    other.out_.fd = -1;
    other.err_.fd = -1;
}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        release();
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::exchange(other.pidfd_, -1);
        stdin_fd_ = std::exchange(other.stdin_fd_, -1);
        out_ = std::move(other.out_);
        err_ = std::move(other.err_);
        status_ = other.status_;
        other.out_.fd = -1;
        other.err_.fd = -1;
    }
    return *this;
}

Process::~Process() {
    release();
}

void Process::release() noexcept {
    if (pid_ > 0 && running()) kill();
    close_fd(pidfd_);
    close_fd(stdin_fd_);
    close_fd(out_.fd);
    close_fd(err_.fd);
    pid_ = -1;
}

void Process::read_available(Pipe& pipe) {
    char buf[65536];
    while (pipe.fd >= 0) {
        const ssize_t n = ::read(pipe.fd, buf, sizeof buf);
        if (n > 0) {
            pipe.data.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            close_fd(pipe.fd);
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else {
            close_fd(pipe.fd); // treat a read error as the end of the stream
        }
    }
}

void Process::try_reap() {
    if (pid_ <= 0 || !running()) return;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = exit_code(status);
        close_fd(pidfd_);
    } else if (r < 0 && errno == ECHILD) {
        status_ = -1; // reaped by someone else: nothing more to learn
        close_fd(pidfd_);
    }
}

void Process::pump(Clock::time_point deadline, bool want_stdin_writable) {
    pollfd fds[4];
    nfds_t n = 0;
    for (Pipe* pipe : {&out_, &err_})
        if (pipe->fd >= 0) fds[n++] = {pipe->fd, POLLIN, 0};
    const bool watch_pid = running() && pidfd_ >= 0;
    if (watch_pid) fds[n++] = {pidfd_, POLLIN, 0};
    if (want_stdin_writable && stdin_fd_ >= 0) fds[n++] = {stdin_fd_, POLLOUT, 0};

    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    wait = std::clamp(wait, std::chrono::milliseconds(0), std::chrono::milliseconds(INT_MAX));
    if (running() && !watch_pid) wait = std::min(wait, kReapSlice);

    if (n == 0) {
        std::this_thread::sleep_for(wait);
    } else if (::poll(fds, n, static_cast<int>(wait.count())) > 0) {
        read_available(out_);
        read_available(err_);
    }
    try_reap();
}

void Process::write_stdin(std::string_view data, std::chrono::milliseconds timeout) {
    if (stdin_fd_ < 0)
        throw std::runtime_error("write_stdin: no stdin pipe (spawn with_stdin, not closed)");
    const auto deadline = Clock::now() + timeout;
    // A write to a pipe whose reader has gone raises SIGPIPE: block it for the write, then take it
    // back.
    sigset_t pipe_set;
    sigset_t old_mask;
    sigset_t pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    while (!data.empty()) {
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
        sigpending(&pending);
        const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
        const ssize_t n = ::write(stdin_fd_, data.data(), data.size());
        const int error = errno;
        if (n < 0 && error == EPIPE && !was_pending) {
            const timespec zero{};
            sigtimedwait(&pipe_set, nullptr, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && error == EPIPE) {
            throw std::runtime_error("write_stdin: the child closed its stdin");
        } else if (n < 0 && error != EAGAIN && error != EWOULDBLOCK && error != EINTR) {
            throw std::system_error(error, std::generic_category(), "write_stdin");
        } else {
            if (Clock::now() >= deadline)
                throw std::runtime_error("write_stdin: timed out; the child is not reading");
            pump(deadline, true);
        }
    }
}

void Process::close_stdin() {
    close_fd(stdin_fd_);
}

std::optional<std::string> Process::wait_for_line(Stream which, const std::regex& re,
                                                  std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Pipe& pipe = which == Stream::out ? out_ : err_;
    std::size_t scan = pipe.cursor;
    const auto matches = [&](std::size_t begin, std::size_t end) -> std::optional<std::string> {
        std::string line = pipe.data.substr(begin, end - begin);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (std::regex_search(line, re)) return line;
        return std::nullopt;
    };
    for (;;) {
        for (auto nl = pipe.data.find('\n', scan); nl != std::string::npos;
             nl = pipe.data.find('\n', scan)) {
            auto line = matches(scan, nl);
            scan = nl + 1;
            if (line) {
                pipe.cursor = scan;
                return line;
            }
        }
        if (pipe.eof()) {
            if (scan < pipe.data.size()) {
                if (auto line = matches(scan, pipe.data.size())) {
                    pipe.cursor = pipe.data.size();
                    return line;
                }
            }
            return std::nullopt;
        }
        if (Clock::now() >= deadline) return std::nullopt;
        pump(deadline);
    }
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        try_reap();
        if (!running()) {
            // What the child wrote before it exited is in the pipes already: take it without
            // waiting for EOF, which a grandchild that kept the pipe open could hold back.
            read_available(out_);
            read_available(err_);
            return status_;
        }
        if (Clock::now() >= deadline) return std::nullopt;
        pump(deadline);
    }
}

void Process::signal(int sig) {
    if (pid_ > 0 && running()) ::kill(pid_, sig);
}

void Process::kill() {
    if (pid_ <= 0 || !running()) return;
    if (::kill(-pid_, SIGKILL) < 0) ::kill(pid_, SIGKILL);
    int status = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    status_ = r == pid_ ? exit_code(status) : -1;
    close_fd(pidfd_);
    read_available(out_);
    read_available(err_);
}

std::vector<std::string> Process::out_lines() const {
    return split_lines(out_.data);
}
std::vector<std::string> Process::err_lines() const {
    return split_lines(err_.data);
}

CommandResult run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
    const std::string what = join(argv);
    auto p = Process::spawn(std::move(argv));
    const auto code = p.wait(timeout);
    if (!code) {
        p.kill();
        throw std::runtime_error("'" + what + "' did not finish within " +
                                 std::to_string(timeout.count()) + " ms");
    }
    return {*code, p.out(), p.err()};
}

// ---- Lab
// --------------------------------------------------------------------------------------------------

namespace {

CommandResult netlab(std::vector<std::string> args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    args.insert(args.begin(), Paths::netlab());
    return run_command(std::move(args), timeout);
}

void netlab_or_throw(std::vector<std::string> args) {
    const std::string what = "netlab " + join(args);
    const auto r = netlab(std::move(args));
    if (r.code != 0)
        throw std::runtime_error(what + " failed (exit " + std::to_string(r.code) +
                                 "): " + trim(r.err));
}

} // namespace

Lab::Lab(int hosts, std::string prefix) : Lab(hosts, std::move(prefix), {}) {}

Lab::Lab(int hosts, std::string prefix, std::vector<std::string> create_options) : hosts_(hosts) {
    static const std::regex prefix_re("[a-z0-9][a-z0-9-]*");
    if (!std::regex_match(prefix, prefix_re))
        throw std::invalid_argument("Lab: bad prefix '" + prefix +
                                    "' (lowercase letters, digits and '-')");
    if (hosts < 1 || hosts > 254) throw std::invalid_argument("Lab: host count must be 1-254");

    // Labs left by an earlier test process that died (perhaps with this very pid) go first.
    static std::once_flag gc_once;
    std::call_once(gc_once, [] {
        try {
            netlab({"gc"});
        } catch (const std::exception&) {
            // a failed clean-up is no reason not to try the lab itself
        }
    });

    static std::atomic<unsigned> counter{0};
    const auto pid = static_cast<unsigned long>(::getpid());
    name_ = prefix + base36(pid) + "-" + base36(++counter);
    if (name_.size() > 12)
        throw std::invalid_argument("Lab: name '" + name_ +
                                    "' is longer than 12 characters; use a shorter prefix");

    std::vector<std::string> create{"create", name_, std::to_string(hosts), "--owner",
                                    std::to_string(pid)};
    create.insert(create.end(), create_options.begin(), create_options.end());
    const auto r = netlab(create);
    if (r.code != 0) {
        netlab({"destroy", name_});
        throw std::runtime_error("netlab create " + name_ + " failed (exit " +
                                 std::to_string(r.code) + "): " + trim(r.err));
    }
}

Lab::~Lab() {
    try {
        netlab({"destroy", name_});
    } catch (const std::exception&) {
        // never throw from a destructor; `netlab gc` removes what is left once this process has
        // gone
    }
}

void Lab::check_host(int host) const {
    if (host < 1 || host > hosts_)
        throw std::out_of_range("Lab " + name_ + ": no host " + std::to_string(host) +
                                " (hosts are 1-" + std::to_string(hosts_) + ")");
}

std::vector<std::string> Lab::exec_argv(int host, std::vector<std::string> argv) const {
    check_host(host);
    std::vector<std::string> full{Paths::netlab(), "exec", name_, "h" + std::to_string(host)};
    full.insert(full.end(), std::make_move_iterator(argv.begin()),
                std::make_move_iterator(argv.end()));
    return full;
}

std::vector<std::string> Lab::exec_argv(const std::string& node,
                                        std::vector<std::string> argv) const {
    if (node != "gw" && node != "wan" && node != "rt")
        throw std::invalid_argument("Lab " + name_ + ": no node '" + node + "' (gw, wan or rt)");
    std::vector<std::string> full{Paths::netlab(), "exec", name_, node};
    full.insert(full.end(), std::make_move_iterator(argv.begin()),
                std::make_move_iterator(argv.end()));
    return full;
}

Process Lab::spawn(const std::string& node, std::vector<std::string> argv) const {
    return Process::spawn(exec_argv(node, std::move(argv)));
}

Process Lab::spawn(int host, std::vector<std::string> argv, bool with_stdin) const {
    return Process::spawn(exec_argv(host, std::move(argv)), with_stdin);
}

Process Lab::spawn_mcast(int host, std::vector<std::string> args, bool with_stdin) const {
    args.insert(args.begin(), Paths::mcast());
    return spawn(host, std::move(args), with_stdin);
}

int Lab::run(int host, std::vector<std::string> argv, std::chrono::milliseconds timeout) const {
    const std::string what = join(argv);
    auto p = spawn(host, std::move(argv));
    const auto code = p.wait(timeout);
    if (!code) {
        p.kill();
        throw std::runtime_error("lab " + name_ + " h" + std::to_string(host) + ": '" + what +
                                 "' did not finish within " + std::to_string(timeout.count()) +
                                 " ms");
    }
    return *code;
}

std::string Lab::addr(int host, int family) const {
    check_host(host);
    if (family != 4 && family != 6) throw std::invalid_argument("Lab::addr: family must be 4 or 6");
    const auto r = netlab({"addr", name_, "h" + std::to_string(host), std::to_string(family)});
    if (r.code != 0)
        throw std::runtime_error("netlab addr " + name_ + " failed (exit " +
                                 std::to_string(r.code) + "): " + trim(r.err));
    return trim(r.out);
}

std::string Lab::ula(int host) const {
    check_host(host);
    const auto r = netlab({"addr", name_, "h" + std::to_string(host), "6g"});
    if (r.code != 0)
        throw std::runtime_error("netlab addr " + name_ + " failed (exit " +
                                 std::to_string(r.code) + "): " + trim(r.err));
    return trim(r.out);
}

std::string Lab::router(const std::string& action) const {
    const auto r = netlab({"router", name_, action});
    if (r.code != 0)
        throw std::runtime_error("netlab router " + name_ + " " + action + " failed (exit " +
                                 std::to_string(r.code) + "): " + trim(r.err));
    return r.out;
}

void Lab::loss(int host, int pct, std::string dir) const {
    check_host(host);
    netlab_or_throw(
        {"loss", name_, "h" + std::to_string(host), std::to_string(pct), "--dir", std::move(dir)});
}

void Lab::link(int host, const std::string& ifname, const std::string& action) const {
    check_host(host);
    netlab_or_throw({"link", name_, "h" + std::to_string(host), ifname, action});
}

} // namespace mcast::testlab
