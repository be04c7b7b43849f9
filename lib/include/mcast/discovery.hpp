// Discovery: the querying side of presence. It sends queries on the plan of QueryPlan, listens
// to announcements, answers bound to its own queries' nonces and goodbyes, keeps a PeerTable, and
// reports join, update, leave and conflict events. Runs on a Session; never prints.
#pragma once

#include <mcast/announce_schedule.hpp>
#include <mcast/export.hpp>
#include <mcast/peer_table.hpp>
#include <mcast/session.hpp>

#include <functional>
#include <memory>

namespace mcast {

class MCAST_API Discovery {
public:
    Discovery(Session& session, QueryConfig cfg);
    ~Discovery();
    Discovery(const Discovery&) = delete;
    Discovery& operator=(const Discovery&) = delete;

    void on_event(std::function<void(const PeerEvent&)> h);
    // Called once when the plan is over (expect reached, quiet, or timeout).
    void on_done(std::function<void()> h);

    // Nodes the table never evicts to make room (friends: TrustStore::trusts).
    void protect(std::function<bool(const NodeId&)> p);

    void start(); // the session must be started
    void stop();

    const PeerTable& table() const;
    std::uint64_t queries_sent() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
