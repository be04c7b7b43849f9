// Everything a program needs to use libmcast: every installed header (lib/CMakeLists.txt lists
// them; tests/install checks that this file includes each one).
#pragma once

#include <mcast/announce_schedule.hpp>
#include <mcast/base64.hpp>
#include <mcast/bytes.hpp>
#include <mcast/control.hpp>
#include <mcast/discovery.hpp>
#include <mcast/drop_reason.hpp>
#include <mcast/duty_cycle.hpp>
#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/known_names.hpp>
#include <mcast/message_type.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/node.hpp>
#include <mcast/pairing.hpp>
#include <mcast/pairing_flow.hpp>
#include <mcast/paths.hpp>
#include <mcast/peer_table.hpp>
#include <mcast/ping.hpp>
#include <mcast/ping_verdict.hpp>
#include <mcast/pinger.hpp>
#include <mcast/presence.hpp>
#include <mcast/replay_config.hpp>
#include <mcast/responder.hpp>
#include <mcast/scope.hpp>
#include <mcast/session.hpp>
#include <mcast/speed.hpp>
#include <mcast/speed_search.hpp>
#include <mcast/speed_test.hpp>
#include <mcast/trust_store.hpp>
#include <mcast/weather.hpp>
#include <mcast/weather_service.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/value.hpp>
#include <mcast/wire.hpp>
