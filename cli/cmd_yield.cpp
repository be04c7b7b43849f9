// `mcast yield [OPTIONS] -- CMD [ARGS...]`: runs CMD as a bulk job that gives way while the LAN's
// weather says so. The loop here does the I/O: it polls the AdviceSource every 250 ms, reads the
// host's counters when a duty cycle may be needed, and turns YieldController's decisions into
// SIGSTOP/SIGCONT of CMD's process group, hook commands, notes on stderr (CMD's stdout stays
// clean) and --json records. SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to CMD's group
// (continued first, so that a paused job can act on them) and mcast exits with CMD's status.
#include "advice_source.hpp"
#include "child_process.hpp"
#include "commands.hpp"
#include "yield_controller.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace mcast::cli {

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = 250ms;

double seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// Hook commands (--on-yield, --on-clear) through /bin/sh -c, one at a time and in order, so that
// a quick yield and clear reach a program's own limit in the order they happened.
class Hooks {
public:
    explicit Hooks(Output& out) : out_(out) {}

    void run(const std::string& option, const std::string& command, Environment env) {
        if (command.empty()) return;
        queue_.push_back({option, command, std::move(env)});
        start_next();
    }
    // Reaps a finished hook and starts the next.
    void reap() {
        if (current_ && current_->process.reap()) {
            const int status = *current_->process.status();
            if (status != 0)
                out_.note(fmt::format("{} exited with status {}", current_->option, status));
            current_.reset();
        }
        start_next();
    }
    bool idle() const { return !current_ && queue_.empty(); }

private:
    struct Pending {
        std::string option, command;
        Environment env;
    };
    struct Running {
        std::string option;
        ChildProcess process;
    };
    void start_next() {
        while (!current_ && !queue_.empty()) {
            Pending p = std::move(queue_.front());
            queue_.pop_front();
            try {
                current_ =
                    Running{p.option, ChildProcess::spawn({"/bin/sh", "-c", p.command}, p.env)};
                out_.debug(fmt::format("{}: {}", p.option, p.command));
            } catch (const SpawnError& e) {
                out_.note(fmt::format("{}: {}", p.option, e.what()));
            }
        }
    }

    Output& out_;
    std::deque<Pending> queue_;
    std::optional<Running> current_;
};

struct YieldRun {
    std::vector<std::string> command;
    YieldConfig config;
    std::string on_yield, on_clear;
    AdviceSource advice;
    std::string no_advice_note; // noted once when the source has no advice
    CounterSource counters;
};

const char* mode_name(YieldMode m) {
    return m == YieldMode::pause ? "pause" : "throttle";
}

int supervise(const YieldRun& run, Output& out) {
    SignalFd signals;
    ChildProcess cmd;
    try {
        cmd = ChildProcess::spawn(run.command, {}, true);
    } catch (const SpawnError& e) {
        out.error(e.what());
        return e.status;
    }
    StopGuard guard(cmd.pid(), run.on_clear);
    const std::string cmd_name = run.command.front();
    // Records go to stdout, which CMD shares: when its reader has gone, yield goes on
    // supervising CMD without them (CMD decides what a closed pipe means to it).
    bool records = out.json();
    const auto record = [&](const boost::json::object& o) {
        if (!records) return;
        try {
            out.record(o);
        } catch (const PipeClosed&) {
            records = false;
        }
    };
    {
        boost::json::array argv;
        for (const auto& a : run.command)
            argv.emplace_back(a);
        record({{"type", "yield"},
                {"event", "start"},
                {"pid", cmd.pid()},
                {"mode", mode_name(run.config.mode)},
                {"command", argv}});
    }
    out.debug(fmt::format("started {} (pid {}, mode {})", cmd_name, cmd.pid(),
                          mode_name(run.config.mode)));

    Hooks hooks(out);
    YieldController ctl(run.config, Clock::now());
    bool running = true, terminating = false, noted_no_advice = false, noted_unknown = false;
    Clock::time_point next_poll = Clock::now(), yield_started{};
    Clock::duration yielded{};

    const auto hook_env = [&](bool yielding, const YieldChange& c) {
        Environment env{{"MCAST_YIELD", yielding ? "1" : "0"}, {"MCAST_YIELD_REASON", c.reason}};
        if (c.advised_bps) env.emplace_back("MCAST_YIELD_RATE", std::to_string(*c.advised_bps));
        return env;
    };
    const auto report = [&](const YieldChange& c, Clock::time_point now) {
        guard.yielding(c.yielding);
        if (c.yielding) {
            yield_started = now;
            const std::string what =
                !c.target_bps
                    ? fmt::format("pausing {}", cmd_name)
                    : fmt::format("throttling {} towards {}", cmd_name, rate_text(*c.target_bps));
            out.note(c.reason.empty() ? fmt::format("yielding: {}", what)
                                      : fmt::format("yielding to {}: {}", c.reason, what));
            {
                boost::json::object o{{"type", "yield"},
                                      {"event", "yield"},
                                      {"mode", mode_name(run.config.mode)},
                                      {"reason", c.reason}};
                if (c.advised_bps) o["rate_bps"] = *c.advised_bps;
                if (c.target_bps) o["target_bps"] = *c.target_bps;
                record(o);
            }
            hooks.run("--on-yield", run.on_yield, hook_env(true, c));
        } else {
            const double s = seconds(now - yield_started);
            yielded += now - yield_started;
            out.note(fmt::format("clear: {} runs at full speed (yielded {:.1f} s)", cmd_name, s));
            record({{"type", "yield"}, {"event", "clear"}, {"seconds", s}});
            hooks.run("--on-clear", run.on_clear, hook_env(false, c));
        }
    };

    while (true) {
        auto now = Clock::now();
        if (now >= next_poll && !terminating) {
            const auto advice = run.advice();
            if (!advice && !noted_no_advice && !run.no_advice_note.empty()) {
                out.note(run.no_advice_note);
                noted_no_advice = true;
            }
            // Unknown weather is no reason to yield: said once each time it becomes unknown.
            const bool unknown = advice && advice->unknown && !advice->yield;
            if (unknown && !noted_unknown)
                out.note(fmt::format("the weather is unknown (no rates measured yet): {} runs at "
                                     "full speed",
                                     cmd_name));
            noted_unknown = unknown;
            if (auto change = ctl.advise(advice, now)) report(*change, now);
            next_poll = now + kPollInterval;
        }
        if (!terminating) {
            std::optional<ByteCounters> counters;
            if (ctl.needs_counters() && run.counters) counters = run.counters();
            const bool want = ctl.should_run(counters, now);
            if (want != running) {
                cmd.signal_group(want ? SIGCONT : SIGSTOP);
                running = want;
            }
        }
        auto wake = next_poll;
        if (auto w = ctl.next_wakeup()) wake = std::min(wake, *w);
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now());
        pollfd p{signals.fd(), POLLIN, 0};
        const int timeout =
            terminating ? -1 : static_cast<int>(std::max<std::int64_t>(0, wait.count()));
        if (::poll(&p, 1, timeout) < 0 && errno != EINTR)
            throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
        while (const int sig = signals.next()) {
            if (sig == SIGCHLD) continue; // reaped below
            // Forwarded to the whole job; a paused job is continued so that it can act on it,
            // and is never stopped again.
            out.debug(fmt::format("forwarding {} to {}", ::strsignal(sig), cmd_name));
            cmd.signal_group(sig);
            if (!running) cmd.signal_group(SIGCONT);
            running = true;
            terminating = true;
        }
        hooks.reap();
        if (cmd.reap()) break;
    }

    const auto now = Clock::now();
    // CMD is done: a program's own limit is not left at its yield setting.
    if (ctl.yielding()) {
        YieldChange clear;
        report(clear, now);
    }
    while (!hooks.idle()) { // wait for the last hook (SIGCHLD is blocked: poll the signalfd)
        pollfd p{signals.fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        while (signals.next() != 0) {
        }
        hooks.reap();
    }
    guard.release();
    const int status = *cmd.status();
    {
        boost::json::object o{{"type", "yield"},
                              {"event", "exit"},
                              {"status", status},
                              {"yielded_seconds", seconds(yielded)}};
        if (cmd.signal()) o["signal"] = *cmd.signal();
        record(o);
    }
    out.debug(fmt::format("{} exited with status {}", cmd_name, status));
    return status;
}

} // namespace

int run_yield(const ParsedArgs& args, Output& out) {
    YieldRun run;
    run.command = args.positional;
    if (run.command.empty())
        throw UsageError("missing CMD: mcast yield [OPTIONS] -- CMD [ARGS...]");
    run.config.mode = args.value("mode") == "throttle" ? YieldMode::throttle : YieldMode::pause;
    if (auto r = args.rate("min-rate")) {
        if (!r->bits)
            throw UsageError(fmt::format("--min-rate: bad value '{}' (expected bits per second "
                                         "like 2Mbit)",
                                         *args.value("min-rate")));
        run.config.min_rate_bps = static_cast<std::uint64_t>(r->per_second);
    }
    run.on_yield = args.value("on-yield").value_or("");
    run.on_clear = args.value("on-clear").value_or("");
    const std::uint8_t priority = args.value("priority") == "low" ? priority_low : priority_normal;
    const Heed heed = args.value("heed") == "trusted" ? Heed::trusted : Heed::any;
    if (auto file = args.value("advice-file")) {
        run.advice = advice_file_source(*file); // test only
    } else {
        run.advice = node_advice_source(args.value("control").value_or(""), priority, heed,
                                        run.no_advice_note);
    }
    run.counters = read_host_counters;
    return supervise(run, out);
}

} // namespace mcast::cli
