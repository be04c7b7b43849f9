// The process side of `mcast yield`: CMD started in a process group of its own (so that a pause
// stops the whole job, its children included, and the terminal's Ctrl-C reaches it only through
// mcast, once), signals to that group, the exit status a shell would give, hook commands run
// through /bin/sh -c, and the StopGuard that continues the group should mcast die.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mcast::cli {

// CMD could not be started. status is what a shell exits with then: 127 when CMD was not found,
// 126 when it was found but could not be run.
struct SpawnError : std::runtime_error {
    SpawnError(const std::string& what, int exit_status)
        : std::runtime_error(what), status(exit_status) {}
    int status;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

// A wait status as a shell reports it: the exit code, or 128 + N for a child killed by signal N.
int shell_status(int wait_status);

// A child process, started with posix_spawnp: its signal dispositions back to the default
// (mcast ignores SIGPIPE), no signal blocked, stdin, stdout and stderr shared with mcast.
class ChildProcess {
public:
    // argv[0] is looked up on PATH; extra is added to (or replaces in) the environment. With
    // own_group the child leads a new process group (pgid == pid). Throws SpawnError.
    static ChildProcess spawn(const std::vector<std::string>& argv, const Environment& extra = {},
                              bool own_group = false);

    pid_t pid() const { return pid_; }
    // Sends sig to the child's process group (own_group) or to the child; false once the group
    // is gone (ESRCH).
    bool signal_group(int sig) const;
    // The shell status once the child has exited and was reaped by reap().
    const std::optional<int>& status() const { return status_; }
    // The signal that killed it, once reaped, if one did.
    const std::optional<int>& signal() const { return signal_; }
    // Reaps the child if it has exited (waitpid WNOHANG); true when it has.
    bool reap();

private:
    pid_t pid_ = -1;
    bool own_group_ = false;
    std::optional<int> status_, signal_;
};

// The guard of a stopped job: a small process (forked from mcast, in mcast's process group,
// ignoring SIGINT, SIGTERM, SIGHUP and SIGQUIT) that holds the read end of a pipe whose only
// write end mcast holds (close-on-exec, so neither CMD nor a hook inherits it). When mcast ends
// in any way, SIGKILL included, the kernel closes the write end and the guard reads end-of-file:
// it sends SIGCONT to CMD's group and, when mcast had yielded and has an --on-clear command,
// runs that command, so that neither the job nor a program's own limit is left behind. A clean
// exit first writes 'q' and the guard leaves without a signal. The guard keeps a child of its
// own (the anchor, doing nothing) in CMD's group, so that mcast's death never leaves that group
// orphaned: the kernel would hang up an orphaned group with a stopped member (SIGHUP before
// SIGCONT) when mcast's exit reaches that check before the guard's SIGCONT.
//
// Why a pipe rather than PR_SET_PDEATHSIG: the death signal fires when the *thread* that forked
// the guard ends, not the process, and it is lost if mcast dies between fork() and prctl(); the
// end-of-file of a pipe comes exactly when the last holder of the write end is gone, however it
// went, and the same pipe carries the yield/clear state and the clean "quit".
class StopGuard {
public:
    // Starts the guard of process group pgid; on_clear ("" for none) runs through /bin/sh -c with
    // MCAST_YIELD=0 in its environment. Throws std::system_error.
    StopGuard(pid_t pgid, const std::string& on_clear);
    // Without release(): as if mcast had died (the group is continued, --on-clear runs if
    // yielding), for a mcast that leaves before CMD has ended.
    ~StopGuard();
    StopGuard(const StopGuard&) = delete;
    StopGuard& operator=(const StopGuard&) = delete;

    // Tells the guard whether the job yields now (what it undoes should mcast die).
    void yielding(bool now);
    // Lets the guard go without touching the group; waits for it. Idempotent.
    void release();
    pid_t pid() const { return pid_; }

private:
    void send(char c);
    pid_t pid_ = -1;
    int fd_ = -1;
};

// SIGINT, SIGTERM, SIGHUP and SIGQUIT (forwarded to a supervised command) and SIGCHLD, read from
// a signalfd: blocked from construction until destruction (children get them unblocked back, as
// ChildProcess::spawn resets the mask), so that none is lost between two polls.
class SignalFd {
public:
    SignalFd();
    ~SignalFd();
    SignalFd(const SignalFd&) = delete;
    SignalFd& operator=(const SignalFd&) = delete;
    int fd() const { return fd_; }
    // The next pending signal, or 0.
    int next() const;
    // The signals a supervisor forwards to its command.
    static constexpr int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

private:
    int fd_ = -1;
    sigset_t old_{};
};

} // namespace mcast::cli
