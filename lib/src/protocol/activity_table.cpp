// Declarations with leases; see activity_table.hpp.
#include "protocol/activity_table.hpp"

#include <mcast/tuple_codec.hpp>

#include <algorithm>

namespace mcast {

namespace {

constexpr std::uint64_t max_declared_rate = 100'000'000'000; // 100 Gbit/s
constexpr std::size_t max_label = 255;

std::string duration_text(std::chrono::milliseconds d) {
    using namespace std::chrono;
    if (d % hours(1) == 0ms) return std::to_string(duration_cast<hours>(d).count()) + " h";
    if (d % seconds(1) == 0ms) return std::to_string(duration_cast<seconds>(d).count()) + " s";
    return std::to_string(d.count()) + " ms";
}

} // namespace

std::string ActivityTable::check_lease(std::chrono::milliseconds lease) const {
    if (lease < cfg_.min_lease || lease > cfg_.max_lease)
        return "lease must be " + duration_text(cfg_.min_lease) + " to " +
               duration_text(cfg_.max_lease);
    return {};
}

ActivityTable::Declared ActivityTable::declare(std::uint32_t uid, Activity activity,
                                               std::chrono::milliseconds lease, MonoTime now) {
    if (decls_.size() >= cfg_.max_declarations)
        return {{}, "too many declarations (max " + std::to_string(cfg_.max_declarations) + ")"};
    if (auto e = check_lease(lease); !e.empty()) return {{}, e};
    if (activity.priority > max_priority)
        return {{}, "priority must be 0-" + std::to_string(max_priority)};
    if (activity.rate_bps > max_declared_rate) return {{}, "rate beyond 100 Gbit/s"};
    if (activity.label.size() > max_label)
        return {{}, "label longer than " + std::to_string(max_label) + " bytes"};
    if (!is_valid_utf8(activity.label)) return {{}, "label is not UTF-8"};
    HeldDeclaration d;
    d.id = "a" + std::to_string(next_id_++);
    d.uid = uid;
    d.activity = std::move(activity);
    d.declared = now;
    d.expires = now + lease;
    decls_.push_back(d);
    return {d.id, {}};
}

HeldDeclaration* ActivityTable::find(const std::string& id) {
    auto it = std::find_if(decls_.begin(), decls_.end(),
                           [&](const HeldDeclaration& d) { return d.id == id; });
    return it == decls_.end() ? nullptr : &*it;
}

std::string ActivityTable::check_owner(const HeldDeclaration* d, const std::string& id,
                                       std::uint32_t uid) const {
    if (!d) return "no declaration " + id;
    if (uid != d->uid && uid != root_uid) return "declaration " + id + " belongs to another user";
    return {};
}

std::string ActivityTable::renew(const std::string& id, std::uint32_t uid,
                                 std::chrono::milliseconds lease, MonoTime now) {
    auto* d = find(id);
    // A lease that ended is gone, even before expire() ran: renewing it would resurrect it.
    if (d && d->expires <= now) d = nullptr;
    if (auto e = check_owner(d, id, uid); !e.empty()) return e;
    if (auto e = check_lease(lease); !e.empty()) return e;
    d->expires = now + lease;
    return {};
}

std::string ActivityTable::clear(const std::string& id, std::uint32_t uid) {
    auto* d = find(id);
    if (auto e = check_owner(d, id, uid); !e.empty()) return e;
    decls_.erase(decls_.begin() + (d - decls_.data()));
    return {};
}

bool ActivityTable::expire(MonoTime now) {
    const auto before = decls_.size();
    std::erase_if(decls_, [&](const HeldDeclaration& d) { return d.expires <= now; });
    return decls_.size() != before;
}

std::optional<MonoTime> ActivityTable::next_expiry() const {
    std::optional<MonoTime> t;
    for (const auto& d : decls_)
        if (!t || d.expires < *t) t = d.expires;
    return t;
}

std::vector<HeldDeclaration> ActivityTable::list(MonoTime now) const {
    std::vector<HeldDeclaration> v;
    for (const auto& d : decls_)
        if (d.expires > now) v.push_back(d);
    return v;
}

std::vector<Activity> ActivityTable::activities(MonoTime now, std::size_t max) const {
    std::vector<Activity> v;
    for (const auto& d : decls_)
        if (d.expires > now) v.push_back(d.activity);
    // Highest priority first; stable, so equal priorities keep the order they were declared in.
    std::stable_sort(v.begin(), v.end(),
                     [](const Activity& a, const Activity& b) { return a.priority > b.priority; });
    if (v.size() > max) v.resize(max);
    return v;
}

} // namespace mcast
