// The two sides of pairing over a Session: PairInitiator (`mcast pair PEER`) and PairResponder
// (`mcast pair --answer`). Each reports the code to show, asks its user (through confirm()),
// and reports success only when both users accepted; the caller then adds the peer to its
// trust store. Requests repeat every second until answered; nothing changes if nobody answers.
#pragma once

#include <mcast/export.hpp>
#include <mcast/pairing.hpp>
#include <mcast/session.hpp>

#include <functional>
#include <memory>

namespace mcast {

class MCAST_API PairInitiator {
public:
    PairInitiator(Session& session, std::string my_name, NodeId target);
    ~PairInitiator();
    void on_event(std::function<void(const PairEvent&)> h);
    void start();
    // The user compared the codes: true accepts, false refuses.
    void confirm(bool yes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class MCAST_API PairResponder {
public:
    // `from` (optional): accept requests only from ids with this hex prefix.
    PairResponder(Session& session, std::string my_name, std::string from = {});
    ~PairResponder();
    void on_event(std::function<void(const PairEvent&)> h);
    void start();
    void confirm(bool yes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
