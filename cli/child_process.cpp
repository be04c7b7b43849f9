// CMD, hooks and the guard of `mcast yield`; see child_process.hpp.
#include "child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

extern char** environ;

namespace mcast::cli {

namespace {

// The signals mcast catches or ignores, which a child must get back at their defaults.
constexpr int kResetSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD};

// environ with extra added or replaced, as owned strings.
std::vector<std::string> environment_with(const Environment& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        const auto name = entry.substr(0, eq);
        bool replaced = false;
        for (const auto& [k, v] : extra)
            replaced = replaced || k == name;
        if (!replaced) env.emplace_back(entry);
    }
    for (const auto& [k, v] : extra)
        env.push_back(k + "=" + v);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> p;
    p.reserve(strings.size() + 1);
    for (auto& s : strings)
        p.push_back(s.data());
    p.push_back(nullptr);
    return p;
}

} // namespace

int shell_status(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 255;
}

ChildProcess ChildProcess::spawn(const std::vector<std::string>& argv, const Environment& extra,
                                 bool own_group) {
    if (argv.empty()) throw SpawnError("no command to run", 127);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults, none;
    sigemptyset(&defaults);
    for (int s : kResetSignals)
        sigaddset(&defaults, s);
    sigemptyset(&none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (own_group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);

    std::vector<std::string> args(argv), env = environment_with(extra);
    auto arg_p = pointers(args), env_p = pointers(env);
    pid_t pid = -1;
    const int rc =
        ::posix_spawnp(&pid, args[0].c_str(), nullptr, &attr, arg_p.data(), env_p.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        // As shells do: 127 when there is no such program, 126 when it cannot be run.
        const int status = (rc == ENOENT || rc == ENOTDIR) ? 127 : 126;
        throw SpawnError("cannot run '" + argv[0] + "': " + std::strerror(rc), status);
    }
    ChildProcess child;
    child.pid_ = pid;
    child.own_group_ = own_group;
    return child;
}

bool ChildProcess::signal_group(int sig) const {
    if (pid_ <= 0) return false;
    return ::kill(own_group_ ? -pid_ : pid_, sig) == 0;
}

bool ChildProcess::reap() {
    if (status_) return true;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = shell_status(st);
        if (WIFSIGNALED(st)) signal_ = WTERMSIG(st);
    }
    if (r < 0 && errno == ECHILD) status_ = 255; // reaped elsewhere: should not happen
    return status_.has_value();
}

StopGuard::StopGuard(pid_t pgid, const std::string& on_clear) {
    // fds: mcast's orders to the guard; ready: its end-of-file says the anchor is in place. All
    // four above 4, so that the guard's dup2 onto 3 and 4 never overwrites one of them.
    int fds[2], ready[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
    if (::pipe2(ready, O_CLOEXEC) != 0) {
        const int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::system_error(e, std::generic_category(), "pipe");
    }
    for (int* fd : {&fds[0], &fds[1], &ready[0], &ready[1]}) {
        const int high = ::fcntl(*fd, F_DUPFD_CLOEXEC, 10);
        if (high >= 0) {
            ::close(*fd);
            *fd = high;
        }
    }
    // Everything the guard needs, made before fork().
    std::vector<std::string> env = environment_with({{"MCAST_YIELD", "0"}});
    auto env_p = pointers(env);
    std::string sh = "/bin/sh", dash_c = "-c", command = on_clear;
    char* sh_argv[] = {sh.data(), dash_c.data(), command.data(), nullptr};
    const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);

    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        for (int fd : {fds[0], fds[1], ready[0], ready[1]})
            ::close(fd);
        if (devnull >= 0) ::close(devnull);
        throw std::system_error(e, std::generic_category(), "fork");
    }
    if (pid == 0) {
        // The guard: only async-signal-safe calls from here on.
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
            ::signal(s, SIG_IGN);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::prctl(PR_SET_NAME, "mcast-guard", 0, 0, 0);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
            ::dup2(devnull, STDOUT_FILENO);
        }
        ::dup2(fds[0], 3);
        ::dup2(ready[1], 4);
        ::close_range(5, ~0U, 0); // the write end of fds too: only mcast holds it
        // The anchor: a child of the guard in CMD's group. When mcast dies, CMD's parent leaves
        // the session, and a group whose members all have parents outside it is orphaned: the
        // kernel sends it SIGHUP then SIGCONT if a member is stopped, which kills a CMD that
        // does not handle SIGHUP, should mcast's death reach that check before the guard's
        // SIGCONT (it did, now and then). The anchor's parent, the guard, stays in mcast's group
        // and session, so CMD's group is never orphaned while the guard lives.
        const pid_t guard = ::getpid();
        const pid_t anchor = ::fork();
        if (anchor == 0) {
            // Every signal blocked: a signal to CMD's group (CMD's own `kill -USR1 0`) must not
            // end it. SIGKILL ends it (the guard's, or the guard's death), SIGSTOP and SIGCONT
            // stop and continue it with the group.
            sigset_t all;
            sigfillset(&all);
            ::sigprocmask(SIG_BLOCK, &all, nullptr);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            if (::getppid() != guard) ::_exit(0);
            ::prctl(PR_SET_NAME, "mcast-anchor", 0, 0, 0);
            ::close_range(2, ~0U, 0); // mcast's stderr and both pipes: it holds nothing open
            if (::setpgid(0, pgid) != 0) ::_exit(0); // CMD's group is already gone
            for (;;)
                ::pause();
        }
        // In the guard too (whichever comes first), so that the anchor is in CMD's group before
        // the end-of-file on `ready` lets mcast go on.
        if (anchor > 0) ::setpgid(anchor, pgid);
        ::close(4);
        const auto drop_anchor = [anchor] {
            if (anchor <= 0) return;
            ::kill(anchor, SIGKILL);
            while (::waitpid(anchor, nullptr, 0) < 0 && errno == EINTR) {
            }
        };
        bool yielding = false;
        for (;;) {
            char c = 0;
            const ssize_t n = ::read(3, &c, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n == 1 && c == 'q') {
                drop_anchor();
                ::_exit(0);
            }
            if (n == 1) {
                yielding = c == 'y';
                continue;
            }
            break; // end of file (or an error): mcast is gone
        }
        ::kill(-pgid, SIGCONT);
        drop_anchor(); // after the SIGCONT: CMD's group has no stopped member left to hang up
        if (yielding && !command.empty()) {
            for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
                ::signal(s, SIG_DFL);
            ::close(3);
            ::execve(sh_argv[0], sh_argv, env_p.data());
        }
        ::_exit(0);
    }
    ::close(fds[0]);
    ::close(ready[1]);
    if (devnull >= 0) ::close(devnull);
    pid_ = pid;
    fd_ = fds[1];
    // Until the guard has its anchor in CMD's group (a millisecond): mcast may die at once.
    char c;
    while (::read(ready[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::close(ready[0]);
}

StopGuard::~StopGuard() {
    // Not released: mcast is leaving without seeing CMD end (an exception). Closing the pipe is
    // what mcast's death would do: the guard continues the group and undoes a yield.
    if (fd_ >= 0) ::close(fd_);
}

void StopGuard::send(char c) {
    if (fd_ < 0) return;
    while (::write(fd_, &c, 1) < 0 && errno == EINTR) {
    }
}

void StopGuard::yielding(bool now) {
    send(now ? 'y' : 'c');
}

void StopGuard::release() {
    if (fd_ < 0) return;
    send('q');
    ::close(fd_);
    fd_ = -1;
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
}

SignalFd::SignalFd() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : forwarded)
        sigaddset(&set, s);
    sigaddset(&set, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &set, &old_);
    fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
}

SignalFd::~SignalFd() {
    ::close(fd_);
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

int SignalFd::next() const {
    signalfd_siginfo info{};
    if (::read(fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return 0;
    return static_cast<int>(info.ssi_signo);
}

} // namespace mcast::cli
