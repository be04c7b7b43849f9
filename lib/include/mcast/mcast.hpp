// Everything a program needs to use libmcast.
#pragma once

#include <mcast/base64.hpp>
#include <mcast/drop_reason.hpp>
#include <mcast/identity.hpp>
#include <mcast/receiver.hpp>
#include <mcast/replay_window.hpp>
#include <mcast/sender.hpp>
#include <mcast/session.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/value.hpp>
#include <mcast/wire.hpp>
