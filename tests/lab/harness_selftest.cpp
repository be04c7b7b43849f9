// harness_selftest: checks lab_harness itself against a real 2-host lab (addresses, ping both ways,
// output capture, stdin, signals, exit codes, timeouts, loss, clean-up), so a failing lab test
// points at mcast rather than at the harness. Exits 77 (skipped) when labs cannot be made here, 1
// when a check fails.
#include "lab_harness.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <string_view>

namespace lab = mcast::testlab;
using namespace std::chrono_literals;

namespace {

int failures = 0;

void check(bool ok, std::string_view what) {
    std::cout << (ok ? "ok   " : "FAIL ") << what << std::endl;
    if (!ok) ++failures;
}

void run_checks(lab::Lab& l) {
    check(l.name().size() <= 12 && l.name().starts_with("hs"),
          "lab name '" + l.name() + "' is short and prefixed");

    const auto v4 = l.addr(2, 4);
    const auto v6 = l.addr(2, 6);
    check(v4 == "10.77.0.2", "h2 IPv4 address is 10.77.0.2 (got '" + v4 + "')");
    check(v6.starts_with("fe80:") && v6.find('/') == std::string::npos,
          "h2 IPv6 link-local '" + v6 + "'");
    check(l.run(1, {"ping", "-c1", "-W2", v4}) == 0, "h1 pings h2 over IPv4");
    check(l.run(1, {"ping", "-c1", "-W2", "-I", "eth0", v6}) == 0,
          "h1 pings h2 over IPv6 link-local");
    check(l.run(2, {"ping", "-c1", "-W2", l.addr(1, 4)}) == 0, "h2 pings h1 over IPv4");

    // Each host is its own namespace: h1 has exactly one address in 10.77.0.0/24, its own.
    {
        auto p = l.spawn(1, {"ip", "-4", "-o", "addr", "show", "dev", "eth0"});
        check(p.wait(5s) == 0 && p.out().find("10.77.0.1/24") != std::string::npos &&
                  p.out().find("10.77.0.2") == std::string::npos,
              "h1 sees only its own address");
    }

    // wait_for_line on both streams, the cursor, exit codes.
    {
        auto p = l.spawn(
            1, {"sh", "-c", "echo one; echo two >&2; sleep 0.2; echo three; printf tail; exit 5"});
        check(p.wait_for_line(lab::Stream::out, std::regex("^thr"), 5s) == "three",
              "wait_for_line finds a later line");
        check(p.wait_for_line(lab::Stream::err, std::regex("two"), 5s) == "two",
              "wait_for_line reads stderr");
        check(!p.wait_for_line(lab::Stream::out, std::regex("one"), 2s),
              "lines before a match are consumed");
        check(p.wait_for_line(lab::Stream::out, std::regex("tail"), 5s) == "tail",
              "a last line without newline counts");
        check(p.wait(5s) == 5, "exit code passes through netlab exec");
        check(p.out_lines() == std::vector<std::string>{"one", "three", "tail"},
              "out_lines() splits stdout");
    }

    // stdin pipe.
    {
        auto p = l.spawn(2, {"cat"}, true);
        p.write_stdin("hello\n");
        check(p.wait_for_line(lab::Stream::out, std::regex("^hello$"), 5s).has_value(),
              "stdin reaches the child");
        p.close_stdin();
        check(p.wait(5s) == 0, "closing stdin ends cat");
    }

    // Signals, timeouts, kill.
    {
        auto p = l.spawn(1, {"sleep", "30"});
        check(!p.wait(100ms), "wait() times out on a running process");
        p.signal(SIGTERM);
        check(p.wait(5s) == 128 + SIGTERM, "a signalled child exits 128+signal");
        auto q = l.spawn(1, {"sh", "-c", "sleep 30 & sleep 30"});
        q.kill();
        check(!q.running() && q.wait(0ms) == 128 + SIGKILL, "kill() ends and reaps the child");
    }

    // Lots of output on both pipes at once must not stall the child.
    {
        auto p =
            l.spawn(1, {"sh", "-c", "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2"});
        check(p.wait(10s) == 0 && p.out().size() == 1000000 && p.err().size() == 1000000,
              "1 MB on stdout and stderr is read without a stall");
    }

    // netlab refuses a host that does not exist.
    {
        const auto r = lab::run_command({lab::Paths::netlab(), "exec", l.name(), "h9", "true"});
        check(r.code == 3, "netlab exec refuses a missing host (exit 3)");
    }

    // Loss: all of h2's input dropped, then none.
    l.loss(2, 100);
    check(l.run(1, {"ping", "-c1", "-W1", v4}) != 0, "100% loss on h2 stops the ping");
    l.loss(2, 0);
    check(l.run(1, {"ping", "-c1", "-W2", v4}) == 0, "loss 0 lets it through again");
}

} // namespace

int main() {
    if (auto why = lab::lab_unavailable_reason()) {
        std::cout << "SKIP: " << *why << std::endl;
        return 77;
    }
    std::string name;
    try {
        lab::Lab l(2, "hs");
        name = l.name();
        run_checks(l);
    } catch (const std::exception& e) {
        check(false, std::string("unexpected exception: ") + e.what());
    }
    if (!name.empty())
        check(!std::filesystem::exists("/run/netns/" + name + "-sw") &&
                  !std::filesystem::exists("/run/netns/" + name + "-h1"),
              "the lab is gone after ~Lab()");
    std::cout << (failures == 0 ? "all passed" : std::to_string(failures) + " failed") << std::endl;
    return failures == 0 ? 0 : 1;
}
