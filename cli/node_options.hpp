// The global flags every networked command shares, turned into library inputs: SessionOptions
// (-4/-6, -i, --group, --port, --ttl) and the node's Identity (--identity, MCAST_IDENTITY, or
// the default key file, created on first use).
#pragma once

#include "option_parser.hpp"
#include "output.hpp"

#include <mcast/identity.hpp>
#include <mcast/session.hpp>
#include <mcast/trust_store.hpp>

#include <memory>

#include <string>

namespace mcast::cli {

// Throws UsageError for a bad --group. For a command that receives (it has --accept), also the
// trust checks: friends' replay state evicted last, and with --accept trusted only friends'
// datagrams taken (UsageError when there is no friend yet).
SessionOptions session_options(const ParsedArgs& args);

// The key file named by --identity or MCAST_IDENTITY must exist (a typo should not silently
// make a new identity); the default one is created on first use, with a note on stderr.
// Throws IdentityError.
Identity load_identity(const ParsedArgs& args, Output& out);
std::string identity_path(const ParsedArgs& args);

// This host's name, the default node name.
std::string host_name();

// The trust store (loaded once per process). Throws TrustError for a malformed file.
std::shared_ptr<const TrustStore> trust_store();
// Reads the trust store again (announce on SIGHUP). Throws TrustError, keeping the old one.
void reload_trust_store();

} // namespace mcast::cli
