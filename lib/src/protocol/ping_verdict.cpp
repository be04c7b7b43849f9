// Judging a ping run; see ping_verdict.hpp.
#include <mcast/ping_verdict.hpp>

#include <algorithm>

namespace mcast {

bool ResponderVerdict::answered() const {
    return std::any_of(paths.begin(), paths.end(),
                       [](const auto& p) { return p.second.received > 0; });
}

namespace {

int rank(PingFailure f) {
    switch (f) {
    case PingFailure::no_reply:
        return 0;
    case PingFailure::silent:
        return 1;
    case PingFailure::loss:
        return 2;
    case PingFailure::rtt:
        return 3;
    case PingFailure::none:
        break;
    }
    return 4;
}

} // namespace

ResponderVerdict judge_responder(std::string id, std::map<PingPath, PathStats> paths,
                                 const PingBounds& bounds) {
    ResponderVerdict v;
    v.id = std::move(id);
    v.paths = std::move(paths);
    if (!v.answered()) {
        v.failures.push_back({{}, PingFailure::no_reply, 0});
    } else {
        for (const auto& [path, st] : v.paths) {
            const double loss = st.loss_percent();
            if (st.sent > 0 && st.received == 0)
                v.failures.push_back({path, PingFailure::silent, 100.0});
            else if (bounds.max_loss_percent && loss > *bounds.max_loss_percent)
                v.failures.push_back({path, PingFailure::loss, loss});
            // Loss outranks a slow average on the same path: it did not come through at all.
            else if (bounds.max_rtt_ms && st.received && st.mean_ms > *bounds.max_rtt_ms)
                v.failures.push_back({path, PingFailure::rtt, st.mean_ms});
        }
        std::stable_sort(v.failures.begin(), v.failures.end(),
                         [](const PathFailure& a, const PathFailure& b) {
                             if (rank(a.failure) != rank(b.failure))
                                 return rank(a.failure) < rank(b.failure);
                             return a.figure > b.figure;
                         });
    }
    if (!v.failures.empty()) {
        v.failure = v.failures.front().failure;
        v.failed_path = v.failures.front().path;
        v.figure = v.failures.front().figure;
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
    std::map<PingPath, PathStats> charged;
    for (const auto& path : paths)
        if (!path.unicast) charged[path].sent = probes_sent;
    return judge_responder(std::move(prefix), std::move(charged), {});
}

PingRunVerdict judge_run(const std::vector<ResponderVerdict>& responders, const PingBounds& bounds,
                         std::vector<LocalSendFailure> local_failures) {
    PingRunVerdict run;
    run.responders = responders.size();
    run.expected = bounds.expect;
    run.local_failures = std::move(local_failures);
    for (const auto& r : responders) {
        if (r.ok()) ++run.ok_count;
        if (r.answered()) ++run.answered;
    }
    const bool all_ok = run.ok_count == run.responders;
    if (!run.local_failures.empty())
        run.why = PingRunVerdict::Why::local_send;
    else if (bounds.expect && run.answered < bounds.expect)
        run.why = PingRunVerdict::Why::too_few;
    else if (responders.empty())
        run.why = PingRunVerdict::Why::nobody;
    else if (!all_ok)
        run.why = PingRunVerdict::Why::out_of_bounds;
    run.ok = run.why == PingRunVerdict::Why::none;
    return run;
}

} // namespace mcast
