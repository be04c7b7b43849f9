// Everything a program needs to use libmcast.
#pragma once

#include <mcast/announce_schedule.hpp>
#include <mcast/base64.hpp>
#include <mcast/discovery.hpp>
#include <mcast/drop_reason.hpp>
#include <mcast/identity.hpp>
#include <mcast/node.hpp>
#include <mcast/pairing.hpp>
#include <mcast/pairing_flow.hpp>
#include <mcast/paths.hpp>
#include <mcast/peer_table.hpp>
#include <mcast/ping.hpp>
#include <mcast/pinger.hpp>
#include <mcast/presence.hpp>
#include <mcast/receiver.hpp>
#include <mcast/replay_window.hpp>
#include <mcast/sender.hpp>
#include <mcast/session.hpp>
#include <mcast/speed.hpp>
#include <mcast/speed_test.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/value.hpp>
#include <mcast/wire.hpp>
