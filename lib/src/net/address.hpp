// Addresses as the layers above the sockets see them: text (what Arrival and JoinedInterface
// carry), a stable tag of a source address (what the failure ration keys on), and interface
// names. Bytes and addresses only; no message types.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace mcast::net {

// The address of `ss` as text, without port or scope ("10.77.0.2", "fe80::1"); its port in
// `port`. Empty for a family other than IPv4 and IPv6.
std::string address_text(const sockaddr_storage& ss, std::uint16_t& port);
// One address as text; empty when it cannot be written.
std::string address_text(const in_addr& a);
std::string address_text(const in6_addr& a);

// A stable 64-bit tag of the address (not the port) of `ss` (FNV-1a over its bytes).
std::uint64_t source_tag(const sockaddr_storage& ss);

// The name of interface `index`, or its number as text when it has none (any more).
std::string interface_name(unsigned index);

} // namespace mcast::net
