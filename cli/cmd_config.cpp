// `mcast config [COMMAND]`: the effective settings of a command and where each one came from,
// so a user can tell why mcast does what it does (a TTL from /etc, an interface from the
// environment) without reading every file.
#include "commands.hpp"
#include "settings.hpp"
#include "table.hpp"

#include <mcast/scope.hpp>

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {
namespace {

std::string_view source_name(Origin origin) {
    switch (origin) {
    case Origin::unset:
        return "unset";
    case Origin::default_value:
        return "default";
    case Origin::system:
        return "system";
    case Origin::user:
        return "user";
    case Origin::environment:
        return "environment";
    case Origin::command_line:
        return "command_line";
    }
    return "unset";
}

std::string_view scope_name(SettingLayer::Source scope) {
    return scope == SettingLayer::Source::system ? "system" : "user";
}

struct Row {
    const OptionSpec* option;
    boost::json::value value; // bool, string, array of strings, or null
    std::string shown;        // the value as text
    std::string from;         // "default", "/etc/mcast/config:3", "MCAST_TTL", ...
    Origin origin;
    std::string variable; // the MCAST_* variable that sets it
};

Row row_of(const OptionSpec& option, const ParsedArgs& args) {
    const std::string_view name = option.long_name;
    Row row{&option, nullptr, "", args.origin_text(name), args.origin(name), ""};
    switch (option.arity) {
    case Arity::Flag:
        row.value = args.flag(name);
        row.shown = args.flag(name) ? "true" : "false";
        if (row.from.empty()) row.from = "default";
        break;
    case Arity::One:
        if (auto v = args.value(name)) {
            row.value = boost::json::string(*v);
            row.shown = *v;
        }
        break;
    case Arity::Many: {
        const auto values = args.values(name);
        if (!values.empty()) {
            boost::json::array a;
            for (const auto& v : values)
                a.emplace_back(boost::json::string(v));
            row.value = std::move(a);
            row.shown = fmt::format("{}", fmt::join(values, ","));
        }
        break;
    }
    }
    if (row.shown.empty() && row.origin == Origin::unset) {
        row.from = "default";
        row.shown =
            option.default_help.empty() ? "-" : "(" + std::string(option.default_help) + ")";
    }
    if (row.origin == Origin::unset) row.origin = Origin::default_value; // a flag left off
    return row;
}

// What --scope expands to, after --group and --ttl: the groups and the TTL a command would use.
struct Expansion {
    std::string scope, group_v4, group_v6;
    int ttl = 1;
};

Expansion expansion(const ParsedArgs& args) {
    const auto scope = parse_scope(args.value("scope").value_or("link")).value_or(Scope::link);
    const auto d = scope_defaults(scope);
    Expansion e{std::string(scope_name(scope)), std::string(d.group_v4), std::string(d.group_v6),
                d.ttl};
    for (const auto& g : args.values("group")) {
        in_addr a4{};
        (::inet_pton(AF_INET, g.c_str(), &a4) == 1 ? e.group_v4 : e.group_v6) = g;
    }
    if (args.origin("ttl") != Origin::default_value)
        if (auto t = args.number("ttl")) e.ttl = static_cast<int>(*t);
    return e;
}

} // namespace

int run_config(const CommandSpec& spec, const ParsedArgs& effective, Output& out) {
    const CommandSpec* target = &spec;
    const std::string command = target->name == "config" ? "" : std::string(target->name);

    for (const ConfigFile& file : config_files()) {
        if (out.json()) {
            out.record({{"type", "config_file"},
                        {"scope", scope_name(file.scope)},
                        {"path", file.path.string()},
                        {"exists", file.exists}});
        } else if (!out.quiet()) {
            out.line(fmt::format("# {} config: {}{}", scope_name(file.scope), file.path.string(),
                                 file.exists ? "" : " (not present)"));
        }
    }

    for (const std::string& name : unknown_variables())
        out.note(name + " is not a setting mcast reads; every command ignores it");

    std::vector<Row> rows;
    const auto add = [&](const std::vector<OptionSpec>& options, std::string_view section) {
        for (const OptionSpec& option : options) {
            if (!option.settable || option.hidden) continue;
            rows.push_back(row_of(option, effective));
            rows.back().variable = environment_name(section, option.long_name);
        }
    };
    if (!command.empty()) add(target->options, command);
    add(global_options(), "");

    if (out.json()) {
        for (const Row& r : rows) {
            out.record({{"type", "setting"},
                        {"command", command},
                        {"name", r.option->long_name},
                        {"value", r.value},
                        {"from", r.from},
                        {"source", source_name(r.origin)},
                        {"variable", r.variable}});
        }
        const auto e = expansion(effective);
        out.record({{"type", "scope"},
                    {"scope", e.scope},
                    {"group_v4", e.group_v4},
                    {"group_v6", e.group_v6},
                    {"ttl", e.ttl}});
        return exit_ok;
    }
    std::vector<std::vector<std::string>> table = {{"SETTING", "VALUE", "FROM"}};
    TableStyle style{.color = out.color(), .dim_rows = {false}};
    for (const Row& r : rows) {
        table.push_back({std::string(r.option->long_name), r.shown, r.from});
        // What nobody set is dimmed, so the settings that were set stand out.
        style.dim_rows.push_back(r.origin == Origin::default_value || r.origin == Origin::unset);
    }
    for (const auto& line : table_lines(table, style))
        out.line(line);
    const auto e = expansion(effective);
    out.line(fmt::format("# scope {}: IPv4 group {}, IPv6 group {}, TTL and hop limit {}", e.scope,
                         e.group_v4, e.group_v6, e.ttl));
    return exit_ok;
}

} // namespace mcast::cli
