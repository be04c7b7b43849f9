// Judging a ping run; see ping_verdict.hpp.
#include <mcast/ping_verdict.hpp>

#include <algorithm>

namespace mcast {

bool ResponderVerdict::answered() const {
    return std::any_of(paths.begin(), paths.end(),
                       [](const auto& p) { return p.second.received > 0; });
}

ResponderVerdict judge_responder(std::string id, std::map<PingPath, PathStats> paths,
                                 const PingBounds& bounds) {
    ResponderVerdict v;
    v.id = std::move(id);
    v.paths = std::move(paths);
    std::uint64_t got = 0;
    double worst_loss = -1, worst_rtt = -1;
    for (const auto& [path, st] : v.paths) {
        got += st.received;
        const double loss = st.loss_percent();
        if (bounds.max_loss_percent && loss > *bounds.max_loss_percent && loss > worst_loss) {
            worst_loss = loss;
            v.failure = PingFailure::loss;
            v.failed_path = path;
            v.figure = loss;
        }
        // Loss outranks a slow average: once a path loses too much, round trips do not decide.
        if (worst_loss < 0 && bounds.max_rtt_ms && st.received && st.mean_ms > *bounds.max_rtt_ms &&
            st.mean_ms > worst_rtt) {
            worst_rtt = st.mean_ms;
            v.failure = PingFailure::rtt;
            v.failed_path = path;
            v.figure = st.mean_ms;
        }
    }
    if (got == 0) {
        v.failure = PingFailure::no_reply;
        v.figure = 0;
    }
    return v;
}

void drop_unannounced_families(std::map<PingPath, PathStats>& paths,
                               const std::vector<int>& announced) {
    if (announced.empty()) return;
    std::erase_if(paths, [&](const auto& p) {
        return std::find(announced.begin(), announced.end(), p.first.family) == announced.end() &&
               p.second.received == 0;
    });
}

ResponderVerdict silent_peer(std::string prefix, const std::set<PingPath>& paths,
                             std::uint64_t probes_sent) {
    ResponderVerdict v;
    v.id = std::move(prefix);
    for (const auto& path : paths)
        if (!path.unicast) v.paths[path].sent = probes_sent;
    v.failure = PingFailure::no_reply;
    return v;
}

PingRunVerdict judge_run(const std::vector<ResponderVerdict>& responders,
                         const PingBounds& bounds) {
    PingRunVerdict run;
    run.responders = responders.size();
    run.expected = bounds.expect;
    run.ok = !responders.empty();
    for (const auto& r : responders) {
        run.ok = run.ok && r.ok();
        if (r.answered()) ++run.answered;
    }
    if (bounds.expect && run.answered < bounds.expect) {
        run.ok = false;
        run.why = PingRunVerdict::Why::too_few;
    } else if (responders.empty()) {
        run.why = PingRunVerdict::Why::nobody;
    } else if (!run.ok) {
        run.why = PingRunVerdict::Why::out_of_bounds;
    }
    return run;
}

} // namespace mcast
