// Config files and MCAST_* variables to SettingLayers; see settings.hpp.
#include "settings.hpp"

#include <mcast/paths.hpp>

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace mcast::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

// Variables that start with MCAST_ but are not settings.
constexpr std::string_view kSystemConfigVariable = "MCAST_SYSTEM_CONFIG";

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

std::string upper_snake(std::string_view name) {
    std::string out;
    for (char c : name)
        out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// "true" or "false" for the words people write for them, else "".
std::string boolean_word(std::string_view text) {
    std::string w;
    for (char c : text)
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (w == "true" || w == "yes" || w == "on" || w == "1") return "true";
    if (w == "false" || w == "no" || w == "off" || w == "0") return "false";
    return {};
}

// The option a setting named `key` sets: at the top of a file (and in MCAST_NAME), one of the
// global options, which mean the same for every command; in section "ping" (and in
// MCAST_PING_NAME), one of ping's, its own or a global one. A key means one thing, as in
// git config: "name" at the top would otherwise be announce's name and discover's filter.
const OptionSpec* target(std::string_view section, std::string_view key) {
    const OptionSpec* found = nullptr;
    if (section.empty()) {
        for (const OptionSpec& o : global_options())
            if (o.long_name == key) found = &o;
    } else if (const CommandSpec* cmd = find_command(section)) {
        found = find_option(*cmd, key);
    }
    return found != nullptr && found->settable ? found : nullptr;
}

// The commands that have an option `key` of their own, for "put it under [announce]".
std::string sections_with(std::string_view key) {
    std::vector<std::string> names;
    for (const CommandSpec& cmd : commands()) {
        for (const OptionSpec& o : cmd.options)
            if (o.long_name == key && o.settable)
                names.push_back("[" + std::string(cmd.name) + "]");
    }
    return fmt::format("{}", fmt::join(names, ", "));
}

// Checks value for the option and returns it normalized (flags to true/false, file names made
// absolute against base_dir); throws UsageError("LABEL: ..."), where the label names the
// setting ("/etc/mcast/config:3: ttl", "MCAST_TTL").
std::string checked_value(const OptionSpec& option, const std::string& label,
                          const std::string& value, const fs::path& base_dir) {
    if (option.arity == Arity::Flag) {
        std::string word = boolean_word(value);
        if (word.empty())
            throw UsageError(
                fmt::format("{}: bad value '{}' (expected true or false)", label, value));
        return word;
    }
    if (auto problem = value_problem(option, value); !problem.empty())
        throw UsageError(fmt::format("{}: {}", label, problem));
    if (option.hint == Hint::File && !base_dir.empty()) {
        if (value.starts_with("~/")) return (home_directory() / value.substr(2)).string();
        if (fs::path(value).is_relative()) return (base_dir / value).lexically_normal().string();
    }
    return value;
}

// The line without its comment: '#' or ';' at the start of the line or after a space, outside
// double quotes, starts one; glued to text it is text ("color=#ff0000", "a#b"), as in a quoted
// value. Trimmed.
std::string without_comment(std::string_view line) {
    char quote = 0; // the quote we are inside, if any
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote == 0 && (c == '"' || c == '\''))
            quote = c;
        else if (c == quote)
            quote = 0;
        const bool after_space = i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t';
        if (quote == 0 && (c == '#' || c == ';') && after_space) return trim(line.substr(0, i));
    }
    return trim(line);
}

// "Living room" or 'Living room' -> Living room: quotes around a whole value are not part of it.
std::string unquoted(std::string value) {
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
        return value.substr(1, value.size() - 2);
    return value;
}

struct FileSetting {
    std::string section; // "" for the top of the file
    std::string key;
    std::string value; // checked and normalized
    std::string place; // "FILE:LINE"
};

// Reads and checks a whole config file. Each line goes through Program_options' INI grammar
// ("name = value", '#' comments); this loop adds the [section] headings and line numbers.
std::vector<FileSetting> read_config(const fs::path& path) {
    std::vector<FileSetting> settings;
    // An ifstream opens a directory and reads nothing from it: a MCAST_SYSTEM_CONFIG that names
    // /etc/mcast instead of /etc/mcast/config would pass for an empty file.
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw UsageError(fmt::format("{}: is a directory, not a config file", path.string()));
    std::ifstream in(path);
    if (!in) {
        if (errno == ENOENT) return settings;
        throw UsageError(fmt::format("{}: {}", path.string(), std::strerror(errno)));
    }
    const fs::path base_dir = fs::absolute(path).parent_path();
    const po::options_description none;
    std::string line, section;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string place = fmt::format("{}:{}", path.string(), number);
        const std::string text = without_comment(line);
        if (text.empty()) continue;
        if (text[0] == '[') {
            if (text.back() != ']')
                throw UsageError(fmt::format("{}: bad section heading '{}'", place, text));
            section = trim(std::string_view(text).substr(1, text.size() - 2));
            const CommandSpec* cmd = find_command(section);
            if (cmd == nullptr || section == "help")
                throw UsageError(fmt::format("{}: unknown section [{}] (expected a command name)",
                                             place, section));
            continue;
        }
        // Program_options' INI grammar decides what a valid "name = value" line and name are;
        // the value is taken from the line as written, since that grammar would cut it at any
        // '#' ("color=#ff0000").
        std::istringstream one(text);
        po::parsed_options parsed(nullptr);
        try {
            parsed = po::parse_config_file(one, none, /*allow_unregistered=*/true);
        } catch (const po::error&) {
            throw UsageError(fmt::format("{}: expected 'name = value', got '{}'", place, text));
        }
        for (const po::option& option : parsed.options) {
            const std::string key = option.string_key;
            const std::string value =
                unquoted(trim(std::string_view(text).substr(text.find('=') + 1)));
            const OptionSpec* spec = target(section, key);
            if (spec == nullptr) {
                const OptionSpec* any =
                    section.empty() ? nullptr : find_option(*find_command(section), key);
                const bool global =
                    std::any_of(global_options().begin(), global_options().end(),
                                [&](const OptionSpec& o) { return o.long_name == key; });
                if ((any != nullptr && !any->settable) || (section.empty() && global))
                    throw UsageError(fmt::format("{}: '{}' cannot be set in a file", place, key));
                if (const auto where = sections_with(key); section.empty() && !where.empty())
                    throw UsageError(
                        fmt::format("{}: '{}' is not a setting of every command; put it under {}",
                                    place, key, where));
                throw UsageError(fmt::format("{}: unknown setting '{}'{}", place, key,
                                             section.empty() ? "" : " in [" + section + "]"));
            }
            // An empty value resets an option that takes several ("interface =" drops the
            // system file's interfaces); any other option needs a value.
            if (value.empty() && spec->arity == Arity::Many) {
                settings.push_back({section, key, "", place});
                continue;
            }
            settings.push_back(
                {section, key, checked_value(*spec, place + ": " + key, value, base_dir), place});
        }
    }
    return settings;
}

// Adds one setting to a layer: a Many option collects values, the others keep the last.
void put(SettingLayer& layer, const OptionSpec& option, std::vector<std::string> values,
         const std::string& origin) {
    auto& slot = layer.settings[std::string(option.long_name)];
    if (option.arity == Arity::Many) {
        if (values.size() == 1 && values.front().empty()) { // "interface =": none from below
            slot.values.clear();
            slot.origin = origin;
            return;
        }
        slot.values.insert(slot.values.end(), values.begin(), values.end());
        if (slot.origin.empty()) slot.origin = origin;
    } else {
        slot.values = std::move(values);
        slot.origin = origin;
    }
}

// A file's two layers for cmd: its top part and its [cmd] section.
void add_file_layers(std::vector<SettingLayer>& layers, const ConfigFile& file,
                     const CommandSpec& cmd) {
    SettingLayer top{file.scope, {}}, own{file.scope, {}};
    for (const FileSetting& s : read_config(file.path)) {
        if (!s.section.empty() && s.section != cmd.name) continue;
        const OptionSpec* option = find_option(cmd, s.key);
        if (option == nullptr || !option->settable) continue; // a setting for other commands
        put(s.section.empty() ? top : own, *option, {s.value}, s.place);
    }
    layers.push_back(std::move(top));
    layers.push_back(std::move(own));
}

// Splits a variable's value for a Many option: "eth0,eth1".
std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> parts;
    std::string_view rest = value;
    while (true) {
        const auto comma = rest.find(',');
        parts.push_back(trim(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return parts;
}

// Which setting a variable names: {"", "ttl"} for MCAST_TTL, {"ping", "interval"} for
// MCAST_PING_INTERVAL; an empty key when none.
std::pair<std::string, std::string> setting_of_variable(const std::string& name) {
    for (const OptionSpec& o : global_options()) {
        if (environment_name("", o.long_name) == name) return {"", std::string(o.long_name)};
    }
    for (const CommandSpec& c : commands()) {
        for (const auto* options : {&c.options, &global_options()}) { // MCAST_PING_TTL too
            for (const OptionSpec& o : *options) {
                if (environment_name(c.name, o.long_name) == name)
                    return {std::string(c.name), std::string(o.long_name)};
            }
        }
    }
    return {};
}

// An MCAST_ variable of the environment (but MCAST_SYSTEM_CONFIG, which names a file), with
// the setting it names: option is null when it names none (MCAST_BIN of the project's scripts,
// a typo such as MCAST_TLL).
struct Variable {
    std::string name, value, section;
    const OptionSpec* option = nullptr;
};

std::vector<Variable> mcast_variables() {
    std::vector<Variable> found;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry = *e;
        const auto eq = entry.find('=');
        if (!entry.starts_with("MCAST_") || eq == std::string_view::npos) continue;
        Variable v{
            std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)), {}, nullptr};
        if (v.name == kSystemConfigVariable) continue;
        auto [section, key] = setting_of_variable(v.name);
        if (!key.empty()) v.option = target(section, key);
        v.section = std::move(section);
        found.push_back(std::move(v));
    }
    return found;
}

} // namespace

std::vector<std::string> unknown_variables() {
    std::vector<std::string> names;
    for (const Variable& v : mcast_variables())
        if (v.option == nullptr) names.push_back(v.name);
    return names;
}

std::string environment_name(std::string_view command, std::string_view option) {
    if (command.empty()) return "MCAST_" + upper_snake(option);
    return "MCAST_" + upper_snake(command) + "_" + upper_snake(option);
}

std::vector<ConfigFile> config_files() {
    fs::path system = "/etc/mcast/config";
    if (const char* e = std::getenv(kSystemConfigVariable.data()); e && *e) system = e;
    std::vector<ConfigFile> files = {{SettingLayer::Source::system, system},
                                     {SettingLayer::Source::user, config_directory() / "config"}};
    for (ConfigFile& f : files) {
        std::error_code ec;
        f.exists = fs::exists(f.path, ec);
    }
    return files;
}

std::vector<SettingLayer> setting_layers(const CommandSpec& cmd) {
    std::vector<SettingLayer> layers;
    for (const ConfigFile& file : config_files())
        add_file_layers(layers, file, cmd);

    // Every MCAST_ variable that names a setting is checked, whichever command runs.
    SettingLayer top{SettingLayer::Source::environment, {}};
    SettingLayer own{SettingLayer::Source::environment, {}};
    for (const Variable& v : mcast_variables()) {
        if (v.option == nullptr || v.value.empty()) continue; // not ours, or set to nothing
        // Interfaces and groups are lists, "eth0,eth1"; a meta value may hold a comma.
        const bool list = v.option->hint == Hint::Interface || v.option->hint == Hint::Address;
        std::vector<std::string> values;
        for (const std::string& one : list ? split_list(v.value) : std::vector{v.value})
            values.push_back(checked_value(*v.option, v.name, one, {}));
        if (v.section.empty() || v.section == cmd.name)
            put(v.section.empty() ? top : own, *v.option, std::move(values), v.name);
    }
    layers.push_back(std::move(top));
    layers.push_back(std::move(own));
    return layers;
}

ParsedArgs parse_with_settings(const CommandSpec& cmd, std::span<const std::string> args) {
    const auto layers = setting_layers(cmd);
    return parse(cmd, args, layers);
}

} // namespace mcast::cli
