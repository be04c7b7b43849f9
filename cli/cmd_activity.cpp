// `mcast activity set|clear|list`: declarations of what this machine is doing, held by the
// resident node under leases (docs/weather.md), so that any program or user can say "live stream
// for two hours" without linking the library.
#include "child_process.hpp"
#include "commands.hpp"
#include "duration.hpp"
#include "weather_printers.hpp"

#include <mcast/control.hpp>

#include <fmt/format.h>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mcast::cli {
namespace {

Activity activity_of(const ParsedArgs& args, std::string_view class_name) {
    auto cls = parse_activity_class(class_name);
    if (!cls) {
        std::string known;
        for (auto c : all_activity_classes())
            known += (known.empty() ? "" : ", ") + std::string(to_string(c));
        throw UsageError(fmt::format("unknown activity class '{}' (one of {})", class_name, known));
    }
    Activity a;
    a.cls = *cls;
    a.priority = default_priority(*cls);
    if (auto p = args.number("priority")) a.priority = static_cast<std::uint8_t>(*p);
    if (auto r = args.rate("rate")) {
        if (!r->bits || r->per_second <= 0)
            throw UsageError("--rate: give bits per second, such as 8Mbit or 500kbit");
        a.rate_bps = static_cast<std::uint64_t>(r->per_second);
    }
    a.label = args.value("label").value_or("");
    if (a.label.size() > 64) throw UsageError("--label: longer than 64 bytes");
    return a;
}

std::string remaining_text(std::chrono::milliseconds ms) {
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(ms));
}

void print(Output& out, const Declaration& d) {
    if (out.json())
        out.record(declaration_record(d));
    else
        out.line(
            fmt::format("{}  {} (priority {}), {} left{}", d.id, activity_text(d.activity),
                        d.activity.priority, remaining_text(d.remaining),
                        d.owner_uid == ::getuid() ? "" : fmt::format(", uid {}", d.owner_uid)));
}

// `activity run CLASS -- CMD`: the declaration lives exactly as long as CMD. It is made with
// `hold`, so the node ends it when this process's connection closes, however this process ends
// (SIGKILL included); the lease (renewed every third of it) is only the backstop for a node that
// somehow keeps the connection. Signals are forwarded to CMD; its status is ours.
int run_with_declaration(const ParsedArgs& args, Output& out, const Activity& a,
                         const std::vector<std::string>& command) {
    using namespace std::chrono_literals;
    constexpr auto lease = 30s;
    constexpr auto renew_every = 10s;
    ControlClient client(args.value("control").value_or(""));
    SignalFd signals; // before the child starts, so that no signal is missed
    const auto id = client.declare(a, lease, true);
    out.debug(
        fmt::format("declared {} as {} while {} runs", activity_text(a), id, command.front()));
    std::optional<ChildProcess> child;
    try {
        child = ChildProcess::spawn(command, {{"MCAST_ACTIVITY", id}}, true);
    } catch (const SpawnError& e) {
        try {
            client.clear(id);
        } catch (const ControlError&) {
        }
        out.error(e.what());
        return e.status; // 127 not found, 126 not runnable, as shells say
    }
    ChildProcess& cmd = *child;
    auto next_renew = std::chrono::steady_clock::now() + renew_every;
    bool warned = false;
    while (!cmd.reap()) {
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(
            next_renew - std::chrono::steady_clock::now());
        pollfd p{signals.fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, wait.count()))) < 0 &&
            errno != EINTR)
            throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
        while (const int sig = signals.next())
            if (sig != SIGCHLD) cmd.signal_group(sig);
        if (std::chrono::steady_clock::now() >= next_renew) {
            try {
                client.renew(id, lease);
            } catch (const ControlError& e) {
                // The node went away or restarted: CMD goes on; the declaration is gone with it.
                if (!warned) out.note(std::string("could not renew the declaration: ") + e.what());
                warned = true;
            }
            next_renew = std::chrono::steady_clock::now() + renew_every;
        }
    }
    try {
        client.clear(id);
    } catch (const ControlError&) {
        // Already gone (the node restarted, or the lease ran out): nothing to clear.
    }
    return *cmd.status();
}

} // namespace

int run_activity(const ParsedArgs& args, Output& out) {
    const auto& pos = args.positional;
    if (pos.empty())
        throw UsageError("name an action: set CLASS, clear [ID], list or run CLASS -- CMD");
    const std::string& action = pos[0];
    auto expect_args = [&](std::size_t min, std::size_t max, std::string_view usage) {
        if (pos.size() - 1 < min || pos.size() - 1 > max)
            throw UsageError(fmt::format("usage: mcast activity {}", usage));
    };
    if (action == "set") {
        expect_args(1, 1, "set CLASS [--rate RATE] [--for DURATION] [--label TEXT]");
        auto a = activity_of(args, pos[1]);
        auto lease = std::chrono::duration_cast<std::chrono::milliseconds>(*args.duration("for"));
        ControlClient client(args.value("control").value_or(""));
        auto id = client.declare(a, lease);
        print(out, Declaration{id, a, lease, static_cast<unsigned>(::getuid())});
        return exit_ok;
    }
    if (action == "clear") {
        expect_args(0, 1, "clear [ID]");
        ControlClient client(args.value("control").value_or(""));
        if (pos.size() == 2) {
            client.clear(pos[1]);
            out.note("cleared " + pos[1]);
            return exit_ok;
        }
        std::size_t n = 0;
        for (const auto& d : client.list())
            if (d.owner_uid == ::getuid()) {
                client.clear(d.id);
                ++n;
            }
        out.note(fmt::format("cleared {} declaration{}", n, n == 1 ? "" : "s"));
        return exit_ok;
    }
    if (action == "run") {
        if (pos.size() < 3)
            throw UsageError(
                "usage: mcast activity run CLASS [--rate RATE] [--label TEXT] -- CMD [ARGS...]");
        auto a = activity_of(args, pos[1]);
        return run_with_declaration(args, out, a, {pos.begin() + 2, pos.end()});
    }
    if (action == "list") {
        expect_args(0, 0, "list");
        ControlClient client(args.value("control").value_or(""));
        auto ds = client.list();
        for (const auto& d : ds)
            print(out, d);
        if (ds.empty() && !out.json()) out.note("no declarations");
        return exit_ok;
    }
    throw UsageError(fmt::format("unknown action '{}' (set, clear, list or run)", action));
}

} // namespace mcast::cli
