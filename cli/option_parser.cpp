// The layered parser: Boost.Program_options built from the option table reads the command line;
// the settings layers (config files, MCAST_* variables; settings.cpp) fill in what it did not
// give, each over the ones before; then conflicts, needs and every value are checked, and the
// table's defaults applied. See option_parser.hpp.
#include "option_parser.hpp"

#include "duration.hpp"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace mcast::cli {

// ---------------------------------------------------------------------------------------------
// ParsedArgs

const ParsedArgs::Entry& ParsedArgs::entry(std::string_view name, Arity arity) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) {
        throw std::logic_error(fmt::format("mcast::cli: no option --{} in this command", name));
    }
    if (it->second.arity != arity) {
        throw std::logic_error(fmt::format("mcast::cli: option --{} has another arity", name));
    }
    return it->second;
}

bool ParsedArgs::has(std::string_view name, Arity arity) const {
    const auto it = entries_.find(name);
    return it != entries_.end() && it->second.arity == arity;
}

bool ParsedArgs::flag(std::string_view name) const {
    return entry(name, Arity::Flag).given;
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
    const Entry& e = entry(name, Arity::One);
    if (e.values.empty()) return std::nullopt;
    return e.values.back();
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
    return entry(name, Arity::Many).values;
}

std::optional<std::int64_t> ParsedArgs::number(std::string_view name) const {
    const Entry& e = entry(name, Arity::One);
    if (e.hint != Hint::Number) {
        throw std::logic_error(fmt::format("mcast::cli: option --{} is not a number", name));
    }
    if (e.values.empty()) return std::nullopt;
    std::int64_t n = 0;
    const std::string& text = e.values.back();
    std::from_chars(text.data(), text.data() + text.size(), n); // checked by parse()
    return n;
}

std::optional<std::chrono::nanoseconds> ParsedArgs::duration(std::string_view name) const {
    const Entry& e = entry(name, Arity::One);
    if (e.hint != Hint::Duration) {
        throw std::logic_error(fmt::format("mcast::cli: option --{} is not a duration", name));
    }
    if (e.values.empty()) return std::nullopt;
    return parse_duration(e.values.back()); // checked by parse()
}

std::optional<Rate> ParsedArgs::rate(std::string_view name) const {
    const Entry& e = entry(name, Arity::One);
    if (e.hint != Hint::Rate) {
        throw std::logic_error(fmt::format("mcast::cli: option --{} is not a rate", name));
    }
    if (e.values.empty()) return std::nullopt;
    return parse_rate(e.values.back()); // checked by parse()
}

bool ParsedArgs::given(std::string_view name) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) {
        throw std::logic_error(fmt::format("mcast::cli: no option --{} in this command", name));
    }
    return it->second.given;
}

Origin ParsedArgs::origin(std::string_view name) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) {
        throw std::logic_error(fmt::format("mcast::cli: no option --{} in this command", name));
    }
    return it->second.origin;
}

std::string ParsedArgs::origin_text(std::string_view name) const {
    origin(name); // checks the name
    return entries_.find(name)->second.origin_text;
}

// ---------------------------------------------------------------------------------------------
// The parser

namespace {

namespace po = boost::program_options;

// Positional arguments go to this option; a user who types it gets "unknown option".
constexpr const char* kPositionalKey = "mcast-positional-arguments";

std::vector<const OptionSpec*> all_options(const CommandSpec& cmd) {
    std::vector<const OptionSpec*> all;
    for (const OptionSpec& option : cmd.options)
        all.push_back(&option);
    for (const OptionSpec& option : global_options())
        all.push_back(&option);
    return all;
}

const OptionSpec* find_long(const std::vector<const OptionSpec*>& specs, std::string_view name) {
    for (const OptionSpec* option : specs) {
        if (option->long_name == name) return option;
    }
    return nullptr;
}

const OptionSpec* find_short(const std::vector<const OptionSpec*>& specs, char name) {
    for (const OptionSpec* option : specs) {
        if (option->short_name == name) return option;
    }
    return nullptr;
}

} // namespace

namespace {

// Every value given, with its option, in command-line order.
using TypedValues = std::vector<std::pair<const OptionSpec*, std::string>>;

// "--port: missing value" from Boost's "the required argument for option '--port' is missing".
UsageError translate(const po::error& error, const std::vector<const OptionSpec*>& specs) {
    const auto* with_name = dynamic_cast<const po::error_with_option_name*>(&error);
    if (with_name == nullptr) return UsageError(error.what());
    std::string name = with_name->get_option_name();

    if (dynamic_cast<const po::unknown_option*>(&error) != nullptr) {
        // "-5", "-1.5": a negative number meant as an argument ("-4x" is -4 and an unknown x).
        if (name.size() >= 2 && name[0] == '-' &&
            ((name[1] >= '0' && name[1] <= '9') || name[1] == '.') &&
            name.find_first_not_of("0123456789.eE+-", 1) == std::string::npos)
            return UsageError(fmt::format("unknown option '{}' (an argument that starts with '-' "
                                          "goes after '--', as in: -- {})",
                                          name, name));
        // In a cluster such as "-4x", name the letter that is unknown.
        if (name.size() > 2 && name[0] == '-' && name[1] != '-') {
            for (std::size_t i = 1; i < name.size(); ++i) {
                const OptionSpec* option = find_short(specs, name[i]);
                if (option == nullptr)
                    return UsageError(fmt::format("unknown option '-{}'", name[i]));
                if (option->arity != Arity::Flag) break;
            }
        }
        if (name.starts_with("--")) name = name.substr(0, name.find('=')); // "--frob=1"
        return UsageError(fmt::format("unknown option '{}'", name));
    }

    // Name the option by its long name, however it was typed.
    if (name.starts_with("--")) {
        if (const OptionSpec* option = find_long(specs, std::string_view(name).substr(2))) {
            name = "--" + std::string(option->long_name);
        }
    } else if (name.size() == 2 && name[0] == '-') {
        if (const OptionSpec* option = find_short(specs, name[1])) {
            name = "--" + std::string(option->long_name);
        }
    }
    if (const auto* syntax = dynamic_cast<const po::invalid_syntax*>(&error)) {
        switch (syntax->kind()) {
        case po::invalid_syntax::missing_parameter:
        case po::invalid_syntax::empty_adjacent_parameter:
            return UsageError(fmt::format("{}: missing value", name));
        case po::invalid_syntax::extra_parameter:
            return UsageError(fmt::format("{}: takes no value", name));
        default:
            break;
        }
    }
    return UsageError(fmt::format("{}: {}", name, error.what()));
}

// The checks beyond syntax: values (in the order typed, so the first mistake is the one
// reported), groups, positional arguments, conflicts and needs.
void check(const CommandSpec& cmd, const std::vector<const OptionSpec*>& specs,
           const ParsedArgs& parsed, const TypedValues& in_order) {
    for (const auto& [option, value] : in_order) {
        if (auto problem = value_problem(*option, value); !problem.empty())
            throw UsageError(fmt::format("--{}: {}", option->long_name, problem));
    }
    // "--ttl" for the command line, "ttl (from /etc/mcast/config:3)" for a setting.
    const auto named = [&](std::string_view name) {
        if (parsed.origin(name) == Origin::command_line) return fmt::format("--{}", name);
        return fmt::format("{} (from {})", name, parsed.origin_text(name));
    };
    // One group per address family.
    for (const OptionSpec* option : specs) {
        if (option->hint != Hint::Address || option->arity != Arity::Many) continue;
        const std::vector<std::string> groups = parsed.values(option->long_name);
        for (std::size_t i = 0; i < groups.size(); ++i) {
            for (std::size_t j = i + 1; j < groups.size(); ++j) {
                const GroupFamily family = multicast_family(groups[i]);
                if (family == multicast_family(groups[j])) {
                    throw UsageError(fmt::format(
                        "{}: '{}' and '{}' are both {} groups (give at most one of each "
                        "family)",
                        named(option->long_name), groups[i], groups[j],
                        family == GroupFamily::V4 ? "IPv4" : "IPv6"));
                }
            }
        }
    }
    if (cmd.positional_name.empty() && !parsed.positional.empty()) {
        throw UsageError(fmt::format("unexpected argument '{}'", parsed.positional.front()));
    }
    if (!cmd.positional_many && parsed.positional.size() > 1) {
        throw UsageError(fmt::format("unexpected argument '{}'", parsed.positional[1]));
    }
    for (const OptionSpec* option : specs) {
        if (!parsed.given(option->long_name)) continue;
        for (std::string_view other : option->conflicts) {
            if (other == cmd.positional_name && !parsed.positional.empty()) {
                throw UsageError(fmt::format("--{}: cannot be combined with {} arguments",
                                             option->long_name, other));
            }
            if (other != cmd.positional_name && parsed.given(other)) {
                throw UsageError(fmt::format("{}: cannot be combined with {}",
                                             named(option->long_name), named(other)));
            }
        }
        for (std::string_view other : option->needs) {
            if (!parsed.given(other)) {
                throw UsageError(
                    fmt::format("{}: only valid with --{}", named(option->long_name), other));
            }
        }
    }
}

} // namespace

ParsedArgs parse(const CommandSpec& cmd, std::span<const std::string> args,
                 std::span<const SettingLayer> layers) {
    return parse_impl(cmd, args, layers, true);
}

bool asks_for_help(const CommandSpec& cmd, std::span<const std::string> args) {
    return parse_impl(cmd, args, {}, false).flag("help");
}

ParsedArgs parse_impl(const CommandSpec& cmd, std::span<const std::string> args,
                      std::span<const SettingLayer> layers, bool check_all) {
    const std::vector<const OptionSpec*> specs = all_options(cmd);

    po::options_description description;
    for (const OptionSpec* option : specs) {
        std::string names(option->long_name);
        if (option->short_name != 0) {
            names += ',';
            names += option->short_name;
        }
        if (option->arity == Arity::Flag) {
            description.add_options()(names.c_str(), "");
        } else {
            description.add_options()(names.c_str(), po::value<std::string>(), "");
        }
    }
    description.add_options()(kPositionalKey, po::value<std::vector<std::string>>(), "");
    po::positional_options_description positional;
    positional.add(kPositionalKey, -1);
    // No abbreviations: "--int" for --interval would break when another --int... option came.
    const int style = po::command_line_style::unix_style & ~po::command_line_style::allow_guessing;

    std::vector<po::option> given;
    try {
        given = po::command_line_parser(std::vector<std::string>(args.begin(), args.end()))
                    .options(description)
                    .positional(positional)
                    .style(style)
                    .run()
                    .options;
    } catch (const po::error& error) {
        throw translate(error, specs);
    }

    ParsedArgs parsed;
    parsed.raw_.assign(args.begin(), args.end());
    for (const OptionSpec* option : specs) {
        ParsedArgs::Entry entry;
        entry.arity = option->arity;
        entry.hint = option->hint;
        parsed.entries_.emplace(std::string(option->long_name), std::move(entry));
    }
    const int command_line_rank = static_cast<int>(layers.size()) + 1;
    TypedValues in_order;
    for (const po::option& option : given) {
        if (option.string_key == kPositionalKey) {
            if (option.position_key < 0) {
                throw UsageError(fmt::format("unknown option '--{}'", kPositionalKey));
            }
            parsed.positional.insert(parsed.positional.end(), option.value.begin(),
                                     option.value.end());
            continue;
        }
        ParsedArgs::Entry& entry = parsed.entries_.at(option.string_key);
        const OptionSpec* spec = find_long(specs, option.string_key);
        // "-i=eth0" is -i with the value eth0, as "--interface=eth0" is (Program_options would
        // take "=eth0"); "-i =eth0", with the '=' in a word of its own, keeps it.
        std::vector<std::string> values = option.value;
        if (option.original_tokens.size() == 1 && !option.original_tokens[0].starts_with("--")) {
            for (std::string& value : values) {
                if (!value.starts_with('=')) continue;
                value.erase(0, 1);
                if (value.empty())
                    throw UsageError(fmt::format("--{}: missing value", spec->long_name));
            }
        }
        entry.given = true;
        entry.origin = Origin::command_line;
        entry.origin_text = "command line";
        entry.rank = command_line_rank;
        for (const std::string& value : values) {
            entry.values.push_back(value);
            in_order.emplace_back(spec, value);
        }
    }

    // Each option takes its value from the highest layer that sets it, unless the command line
    // did. Layers were checked when they were read, so their values are valid.
    for (int rank = static_cast<int>(layers.size()); rank >= 1; --rank) {
        const SettingLayer& layer = layers[static_cast<std::size_t>(rank - 1)];
        for (const auto& [name, setting] : layer.settings) {
            const auto it = parsed.entries_.find(name);
            if (it == parsed.entries_.end() || it->second.rank != 0) continue;
            const OptionSpec* option = find_long(specs, name);
            if (option == nullptr || !option->settable) continue;
            ParsedArgs::Entry& entry = it->second;
            entry.rank = rank;
            entry.origin = static_cast<Origin>(static_cast<int>(Origin::system) +
                                               static_cast<int>(layer.source));
            entry.origin_text = setting.origin;
            if (entry.arity == Arity::Flag) {
                entry.given = !setting.values.empty() && setting.values.back() == "true";
            } else {
                entry.given = !setting.values.empty(); // empty: a reset of the places below
                entry.values = setting.values;
            }
        }
    }
    // A setting gives way to what a higher place says: an option it conflicts with, whichever of
    // the two lists the conflict (-6 on the command line beats "ipv4 = true" in a file; --count
    // beats "respond = true"), and positional arguments it excludes ("lines = true" against
    // `mcast send hello`). A setting whose needs are not met is not used ("rate = 100" in
    // [ping] waits for --speed). Conflicts within one place are the user's to fix: check()
    // reports them.
    const auto drop = [](ParsedArgs::Entry& e) {
        e.given = false;
        e.values.clear();
        e.origin = Origin::unset;
        e.origin_text.clear();
        e.rank = 0;
    };
    // Settings that wait for an option they need, before they can knock out anything else,
    // and again once conflicts have removed some.
    const auto drop_unmet_needs = [&] {
        for (bool changed = true; changed;) { // needs can chain
            changed = false;
            for (const OptionSpec* option : specs) {
                ParsedArgs::Entry& entry = parsed.entries_.at(std::string(option->long_name));
                if (!entry.given || entry.rank == command_line_rank) continue;
                for (std::string_view other : option->needs) {
                    if (!parsed.given(other)) {
                        drop(entry);
                        changed = true;
                        break;
                    }
                }
            }
        }
    };
    drop_unmet_needs();
    for (const OptionSpec* option : specs) {
        ParsedArgs::Entry& entry = parsed.entries_.at(std::string(option->long_name));
        for (std::string_view other_name : option->conflicts) {
            if (!entry.given) break;
            if (other_name == cmd.positional_name) {
                if (!parsed.positional.empty() && entry.rank < command_line_rank) drop(entry);
                continue;
            }
            const auto it = parsed.entries_.find(other_name);
            if (it == parsed.entries_.end() || !it->second.given) continue;
            if (it->second.rank < entry.rank)
                drop(it->second);
            else if (entry.rank < it->second.rank)
                drop(entry);
        }
    }
    drop_unmet_needs();

    // With --help the user asks what is valid, so only the syntax has to be right.
    if (check_all && !parsed.flag("help")) check(cmd, specs, parsed, in_order);

    for (const OptionSpec* option : specs) {
        ParsedArgs::Entry& entry = parsed.entries_.at(std::string(option->long_name));
        if (entry.origin == Origin::unset && !option->default_value.empty()) {
            entry.values.emplace_back(option->default_value);
            entry.origin = Origin::default_value;
            entry.origin_text = "default";
        }
    }
    return parsed;
}

CommandLine split_command_line(std::span<const std::string> argv) {
    const std::vector<OptionSpec>& globals = global_options();
    const auto find = [&](auto matches) -> const OptionSpec* {
        const auto it = std::find_if(globals.begin(), globals.end(), matches);
        return it == globals.end() ? nullptr : &*it;
    };
    const auto whole = [&] { return CommandLine{"", {argv.begin(), argv.end()}}; };
    const auto split_at = [&](std::size_t command_index, std::size_t rest_index) {
        CommandLine line{argv[command_index],
                         {argv.begin(), argv.begin() + static_cast<std::ptrdiff_t>(command_index)}};
        line.args.insert(line.args.end(), argv.begin() + static_cast<std::ptrdiff_t>(rest_index),
                         argv.end());
        return line;
    };

    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") {
            if (i + 1 == argv.size()) return whole();
            CommandLine line = split_at(i + 1, i + 2);
            line.args.erase(line.args.begin() + static_cast<std::ptrdiff_t>(i)); // the "--"
            return line;
        }
        if (arg.size() < 2 || arg[0] != '-') return split_at(i, i + 1);
        if (arg[1] == '-') { // --name or --name=value
            const std::string_view name = arg.substr(2, arg.find('=') - 2);
            const OptionSpec* option =
                find([&](const OptionSpec& o) { return o.long_name == name; });
            if (option == nullptr) return whole();
            if (option->arity != Arity::Flag && arg.find('=') == std::string_view::npos) ++i;
            continue;
        }
        for (std::size_t j = 1; j < arg.size(); ++j) { // -4q, -ieth0, -i eth0
            const OptionSpec* option =
                find([&](const OptionSpec& o) { return o.short_name == arg[j]; });
            if (option == nullptr) return whole();
            if (option->arity != Arity::Flag) {
                if (j + 1 == arg.size()) ++i;
                break;
            }
        }
    }
    return whole();
}

} // namespace mcast::cli
