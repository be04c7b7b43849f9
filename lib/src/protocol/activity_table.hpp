// What programs on this host declare they are doing (docs/weather.md "Declarations"): the
// resident node's table of activities, each with a lease that ends unless renewed, so that a
// program that crashed never leaves a stale "live-stream" behind. Owned by uid: only the owner
// (or root) renews or clears a declaration. Bounded (32). Sans-IO: the control socket passes
// the peer's uid and the time.
//
//   auto r = table.declare(uid, activity, 15s, now);   // r.id == "a1", or r.error
//   table.renew("a1", uid, 15s, now);
//   timer.expires_at(table.next_expiry().value_or(MonoTime::max()));
//   on timer: if (table.expire(now)) schedule.changed(now);
#pragma once

#include <mcast/mono_time.hpp>
#include <mcast/weather.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mcast {

struct ActivityTableConfig {
    std::size_t max_declarations = 32;
    std::chrono::milliseconds min_lease{1000};
    std::chrono::milliseconds max_lease{std::chrono::hours(24)};
};

struct HeldDeclaration {
    std::string id; // "a1", "a2", ...: never reused while the table lives
    std::uint32_t uid = 0;
    Activity activity;
    MonoTime declared{};
    MonoTime expires{};
};

class ActivityTable {
public:
    static constexpr std::uint32_t root_uid = 0;

    explicit ActivityTable(ActivityTableConfig cfg = {}) : cfg_(cfg) {}

    struct Declared {
        std::string id;    // empty on error
        std::string error; // one line, empty on success
        bool ok() const { return error.empty(); }
    };
    // Adds a declaration that ends at now + lease. Errors, which change nothing: "too many
    // declarations (max 32)", a lease outside min_lease..max_lease, a priority above 7, a rate
    // above 100 Gbit/s, a label over 255 bytes or not UTF-8.
    Declared declare(std::uint32_t uid, Activity activity, std::chrono::milliseconds lease,
                     MonoTime now);
    // Moves the end of declaration `id` to now + lease; the owner or root only. Returns the
    // error, empty on success.
    std::string renew(const std::string& id, std::uint32_t uid, std::chrono::milliseconds lease,
                      MonoTime now);
    // Ends declaration `id` at once; the owner or root only. Returns the error, empty on success.
    std::string clear(const std::string& id, std::uint32_t uid);
    // Drops the declarations whose lease ended at or before `now`; true when any did.
    bool expire(MonoTime now);
    // When the next lease ends; none when the table is empty.
    std::optional<MonoTime> next_expiry() const;

    // The declarations still running at `now`, oldest first.
    std::vector<HeldDeclaration> list(MonoTime now) const;
    // Their activities as the weather report carries them: highest priority first, then in
    // the order declared, at most `max` (a report holds 16).
    std::vector<Activity> activities(MonoTime now, std::size_t max = 16) const;
    std::size_t size() const { return decls_.size(); }

private:
    HeldDeclaration* find(const std::string& id);
    std::string check_owner(const HeldDeclaration* d, const std::string& id, std::uint32_t uid) const;
    std::string check_lease(std::chrono::milliseconds lease) const;

    ActivityTableConfig cfg_;
    std::vector<HeldDeclaration> decls_;
    std::uint64_t next_id_ = 1;
};

} // namespace mcast
