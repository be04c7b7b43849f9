// Symbol visibility: libmcast is built with hidden visibility; only what carries MCAST_API is
// part of the public ABI.
#pragma once

#if defined(MCAST_BUILDING)
#define MCAST_API __attribute__((visibility("default")))
#else
#define MCAST_API
#endif
