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
#include <vector>

namespace mcast::cli {

// Throws UsageError for a bad --group. For a command that receives (it has --accept), also the
// trust checks: friends' replay state evicted last, and with --accept trusted only friends'
// datagrams taken (UsageError when there is no friend yet).
// A --group of one family alone turns the other family off (UsageError when -4 or -6 says the
// opposite), so that a run on its own group does not meet the others on the default group of
// the other family.
SessionOptions session_options(const ParsedArgs& args);
// The part of session_options() that reads only the command line and settings (families,
// interfaces, --scope, groups, port, TTL, --source), checked: main() calls it before anything
// is printed, so that bad input is one line.
SessionOptions network_options(const ParsedArgs& args);

// The notes a command prints about its --group values: a warning for each group that is
// reserved or used by another protocol (group_caution), and why one family is off when a
// group of one family alone turned it off.
std::vector<std::string> group_notes(const ParsedArgs& args);

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
