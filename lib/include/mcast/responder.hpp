// What a Node hosts (Node::attach): a service that answers requests on the node's session, such
// as PingResponder and SpeedResponder. It registers its handlers when made and unregisters them
// when destroyed, so the node's only duty is to keep it while it runs.
#pragma once

#include <mcast/export.hpp>

namespace mcast {

class MCAST_API Responder {
public:
    virtual ~Responder() = default;
    Responder() = default;
    Responder(const Responder&) = delete;
    Responder& operator=(const Responder&) = delete;
};

} // namespace mcast
