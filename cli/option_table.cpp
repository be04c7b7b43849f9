// The option table: the global options, every command, the top level, and the environment
// variables and files mcast(1) lists. Everything a user reads about the command line is written
// here, once, as data: help_text.cpp, generate_man.cpp and generate_completions.cpp only lay it
// out, option_parser.cpp parses by it, and option_values.cpp checks the values of each kind.
#include "option_table.hpp"

#include <mcast/pinger.hpp>

#include <fmt/format.h>

#include <limits>
#include <string>

namespace mcast::cli {

using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();

// ping --size: its upper bound comes from the wire format (max_probe_size), so the help and the
// man page say the number the check uses.
std::string_view size_help() {
    static const std::string help = fmt::format(
        "Pad probes to this datagram size, at most {} bytes (the largest signed datagram with "
        "an empty topic); with --speed: 512 unless given.",
        max_probe_size);
    return help;
}

// --accept, shared by every command that receives (listen, announce, discover, ping).
OptionSpec accept_option() {
    return {.long_name = "accept",
            .value_name = "WHO",
            .help = "Whose messages to take: any signed sender, or only friends in the trust "
                    "store (mcast trust); others are dropped before their signature is checked.",
            .default_value = "any",
            .arity = Arity::One,
            .hint = Hint::Choice,
            .choices = {"any", "trusted"}};
}

// Batch signing (docs/protocol.md section 3.4) of a command's bulk stream.
OptionSpec batch_delay_option(std::string_view help) {
    return {.long_name = "batch-delay",
            .value_name = "DURATION",
            .help = help,
            .default_value = "1ms",
            .arity = Arity::One,
            .hint = Hint::Duration,
            .max_duration = std::chrono::milliseconds(100)};
}

// --threads, for the commands that receive streams (listen, announce, ping).
OptionSpec threads_option() {
    return {.long_name = "threads",
            .value_name = "N",
            .help = "Check the signatures of each burst of arriving messages on N threads; "
                    "messages still come out in the order they arrived, with the same checks. "
                    "1 checks each in turn on one thread.",
            .default_help = "one per core",
            .arity = Arity::One,
            .hint = Hint::Number,
            .min = 1,
            .max = 256};
}

// --source, for the commands that join the group to receive (listen, discover, ping).
OptionSpec source_option() {
    return {.long_name = "source",
            .value_name = "ADDR",
            .help = "Hear this sender only: join the group source-specifically ((S,G) with "
                    "IGMPv3 / MLDv2), for each address given. The group of its family must be a "
                    "source-specific one (232.0.0.0/8, ff3x::/32), given with --group.",
            .arity = Arity::Many};
}

OptionSpec control_option() {
    return {.long_name = "control",
            .value_name = "PATH",
            .help = "The resident node's control socket, for running several nodes on one host "
                    "(as --identity allows).",
            .default_help = "$XDG_RUNTIME_DIR/mcast/control, /run/mcast/control for root",
            .arity = Arity::One,
            .hint = Hint::File};
}

} // namespace

const std::vector<OptionSpec>& global_options() {
    static const std::vector<OptionSpec> options = {
        {.long_name = "ipv4", .short_name = '4', .help = "Use IPv4 only.", .conflicts = {"ipv6"}},
        {.long_name = "ipv6", .short_name = '6', .help = "Use IPv6 only.", .conflicts = {"ipv4"}},
        {.long_name = "interface",
         .short_name = 'i',
         .value_name = "NAME",
         .help = "Use only this network interface. Without -i, mcast uses every interface that is "
                 "up and can multicast, except loopback, which is used only when named.",
         .arity = Arity::Many,
         .hint = Hint::Interface},
        {.long_name = "group",
         .value_name = "ADDR",
         .help = "Use this multicast group instead of the default one of its address family. A "
                 "group of one family alone turns the other family off, so that the run stays "
                 "apart from nodes on the default groups; give --group twice (one of each "
                 "family) to use both. --scope picks other default groups.",
         .default_help = "239.255.77.67 and ff02::4d43",
         .arity = Arity::Many,
         .hint = Hint::Address},
        {.long_name = "scope",
         .value_name = "SCOPE",
         .help = "How far messages go, on the network's own multicast routing: link (this "
                 "network), site (across the site's routers) or org (the organisation's). It "
                 "picks each family's group and the TTL together: link 239.255.77.67 and "
                 "ff02::4d43 with TTL 1, site 239.255.77.67 and ff05::4d43 with 15, org "
                 "239.192.77.67 and ff08::4d43 with 63; --group and --ttl override them, and a "
                 "group must fit the scope.",
         .default_value = "link",
         .arity = Arity::One,
         .hint = Hint::Choice,
         .choices = {"link", "site", "org"}},
        {.long_name = "port",
         .value_name = "N",
         .help = "UDP port to send to and listen on.",
         .default_value = "7767",
         .arity = Arity::One,
         .hint = Hint::Number,
         .min = 1,
         .max = 65535},
        {.long_name = "ttl",
         .value_name = "N",
         .help = "IPv4 time-to-live and IPv6 hop limit of the messages sent; 1 keeps them on the "
                 "local network; unless given, --scope picks it (15 site, 63 org). Answers to a "
                 "node behind routers leave with what gets them back, never more than this.",
         .default_value = "1",
         .arity = Arity::One,
         .hint = Hint::Number,
         .min = 0,
         .max = 255},
        {.long_name = "identity",
         .value_name = "FILE",
         .help = "Key file holding this node's Ed25519 private key.",
         .default_help = "$MCAST_IDENTITY, else $XDG_CONFIG_HOME/mcast/identity.pem",
         .arity = Arity::One,
         .hint = Hint::File},
        {.long_name = "json",
         .help = "Write JSON Lines (one JSON object per line) instead of text, errors included.",
         // Not from a file: a program that reads JSON asks for it on its command line, and a
         // person's interactive commands stay text.
         .settable = false},
        {.long_name = "quiet",
         .short_name = 'q',
         .help = "Print only results and errors.",
         .conflicts = {"verbose"}},
        {.long_name = "verbose",
         .short_name = 'v',
         .help = "Print more about what mcast is doing.",
         .conflicts = {"quiet"}},
        {.long_name = "help", .short_name = 'h', .help = "Print help and exit.", .settable = false},
    };
    return options;
}

const CommandSpec& program() {
    static const CommandSpec spec = {
        .name = "mcast",
        .summary = "signed IP multicast on the local network",
        .synopsis = "mcast [OPTIONS] COMMAND [ARGS...]\n"
                    "mcast help [COMMAND]\n"
                    "mcast --version",
        .description =
            "mcast lets machines on one local network find each other and exchange messages over "
            "IPv4 and IPv6 multicast. Every message is signed with the sender's Ed25519 key, and "
            "receivers show only messages whose signature verifies, together with the id of the "
            "key that signed them.\n\n"
            "By default mcast uses the groups 239.255.77.67 (IPv4, the IPv4 Local Scope of RFC "
            "2365) and ff02::4d43 (IPv6, link-local scope) on UDP port 7767, with a TTL and hop "
            "limit of 1, so nothing it sends leaves the local network; --scope site or org lets "
            "it cross multicast routers. It uses every interface "
            "that is up and can multicast, except loopback; -i chooses interfaces, and -4 or -6 "
            "restricts it to one address family.\n\n"
            "Each node signs with its own key, created on first use ('mcast id --new' makes a new "
            "one). Global options may "
            "be given before or after the command.\n\n"
            "Options that are typed every time can be set once, in /etc/mcast/config or "
            "~/.config/mcast/config, or in MCAST_* environment variables; the command line wins. "
            "'mcast config' shows the settings in effect and where each came from; "
            "mcast-config(1) describes the files.",
        .options =
            {
                {.long_name = "version", .help = "Print the version and exit."},
                {.long_name = "generate",
                 .value_name = "KIND",
                 .help = "Write a man page (of COMMAND, or mcast(1)), a shell completion script, "
                         "or the list of commands to standard output.",
                 .arity = Arity::One,
                 .hint = Hint::Choice,
                 .choices = {"man", "bash", "zsh", "fish", "commands"},
                 .hidden = true},
            },
        .positional_name = "COMMAND",
        .positional_help = "The command to run.",
        .positional_hint = Hint::Command,
        .examples =
            {
                {"mcast id --new", "Create this node's key; run once on each machine."},
                {"mcast listen", "Print every message sent on the local network, until Ctrl-C."},
                {"mcast send hello", "From another terminal or machine: send one."},
                {"mcast listen --json --count 1 --timeout 10s",
                 "Wait up to ten seconds for one message and print it as a JSON object."},
            },
        .exit_codes =
            {
                {0, "Success: the command did what it was asked; a command that waits or "
                    "checks found what it waited for (listen: a message; discover: a node, or "
                    "--expect nodes; ping: every responder within the bounds; pair: paired). A "
                    "closed output pipe ('mcast listen | head -1') also ends with 0."},
                {1, "The command ran, but what it waited for or checked did not come: listen's "
                    "--timeout ran out before any message arrived; discover found no node, or "
                    "fewer than --expect, or could not send all its queries; ping found a "
                    "responder silent or out of its bounds, or "
                    "fewer than --expect; pair was refused or timed out, or found no PEER (with "
                    "--list: no request); "
                    "trust's PEER, NAME or PREFIX matched nothing; weather heard no report; "
                    "activity found no resident node, or no declaration of that ID; share "
                    "remove found no such share; search found nothing; fetch found a RESULT on no "
                    "node. yield "
                    "exits "
                    "with CMD's own status. id, send, announce, config and help never exit with 1. "
                    "mcast-COMMAND(1) says what each command "
                    "means."},
                {2, "Error: a bad option, value or command, an unusable key file, no usable "
                    "network interface, or a failure to send. The error is one line on standard "
                    "error, starting with 'mcast COMMAND:'; with --json it is also written as a "
                    "JSON record of type \"error\"."},
            },
    };
    return spec;
}

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> specs = {
        {
            .name = "id",
            .summary = "show this node's identity",
            .synopsis = "mcast id [OPTIONS]\n"
                        "mcast id --new [--force] [OPTIONS]",
            .description =
                "Prints this node's identity: its name, its id (the fingerprint of its public "
                "key, in a short and a full form), the public key itself and the key file it "
                "came from. Every message the node sends is signed with this key and carries "
                "this id, so the id is how receivers tell nodes apart and know who sent what.\n\n"
                "The key file holds an Ed25519 private key in PEM format. It is the file given "
                "with --identity, else $MCAST_IDENTITY, else "
                "$XDG_CONFIG_HOME/mcast/identity.pem (~/.config/mcast/identity.pem when "
                "XDG_CONFIG_HOME is not set). mcast refuses to use a key file that other users "
                "can read.\n\n"
                "With --new, id creates a key, writes it to the key file (readable by its owner "
                "alone) and prints the new identity. It never replaces an existing key unless "
                "--force is given too, and then keeps the old one as FILE.old. It creates the "
                "directory of the default key file, but not that of a file named with "
                "--identity (as ssh-keygen, so that a mistyped path leaves nothing behind). A new "
                "key is a new id: other nodes will see this node as a different sender.",
            .options =
                {
                    {.long_name = "new",
                     .help = "Create a new key and write it to the key file; refuses to replace "
                             "an existing key unless --force is given.",
                     .settable = false},
                    {.long_name = "force",
                     .help = "With --new, replace an existing key, keeping the old key file as "
                             "FILE.old.",
                     .needs = {"new"},
                     .settable = false},
                },
            .examples =
                {
                    {"mcast id", "Show this node's name, id, public key and key file."},
                    {"mcast id --new",
                     "Create this node's key; fails, changing nothing, if it has one already."},
                    {"mcast id --new --identity ./alice.pem",
                     "Create a second identity in ./alice.pem, for example to run two nodes on "
                     "one machine."},
                },
            .exit_codes =
                {
                    {0, "The identity was printed (with --new: the new key was written)."},
                    {2, "Error: the key file is missing or unreadable, other users can read it, "
                        "its key is one receivers refuse (small order or not canonical), or --new "
                        "found a key already there and --force was not given."},
                },
        },
        {
            .name = "send",
            .summary = "sign and send one message",
            .synopsis = "mcast send [OPTIONS] VALUE...\n"
                        "mcast send [OPTIONS] --lines\n"
                        "mcast send [OPTIONS] --stdin",
            .description =
                "Signs one message with this node's key and sends it to the multicast group of "
                "each address family, on every usable interface. A message has a topic "
                "(--topic) and a tuple of values: each VALUE argument is one string, so 'mcast "
                "send hello world' sends the tuple (\"hello\", \"world\").\n\n"
                "With --json-values, each VALUE is read as JSON instead: a JSON array is the "
                "whole tuple, and any other JSON value is one element of it. Binary data is "
                "written as {\"bytes\":\"BASE64\"}. Integers must fit in 64 bits and floats in "
                "a double; send refuses others rather than round them. A VALUE that starts with "
                "'-' (a negative number) goes after '--': 'mcast send --json-values -- -5'.\n\n"
                "--json, as for every command, selects JSON output: with -v, a record per "
                "message sent and a summary. In earlier versions it also meant what --json-values "
                "means now; so that such a command does not silently send text instead, send "
                "refuses VALUEs or --lines with --json but neither -v nor --json-values.\n\n"
                "With --lines, each line of standard input is sent as a message of its own as "
                "soon as it is read, until the input ends. With --stdin, all of standard input "
                "is read first and sent as one message holding a single bytes value. The signed "
                "payload of a message may be at most 65000 bytes; send refuses a larger one.\n\n"
                "Multicast is best effort: a message can be lost on the way, and nothing tells "
                "the sender. --repeat sends the message several times, --interval apart or "
                "paced at --rate messages per second.",
            .options =
                {
                    {.long_name = "topic",
                     .value_name = "TOPIC",
                     .help = "Topic of the message; receivers can pick topics with listen "
                             "--topic.",
                     .default_value = "default",
                     .arity = Arity::One,
                     .hint = Hint::Topic},
                    {.long_name = "json-values",
                     .help = "Read each VALUE (and each line of --lines) as JSON: an array is "
                             "the whole tuple, any other value one element of it.",
                     .conflicts = {"stdin"}},
                    {.long_name = "lines",
                     .help =
                         "Send each line of standard input as a message of its own (with "
                         "--json-values, each line is JSON, as a VALUE is). A line that cannot be "
                         "sent is reported by its number and skipped, and the exit status is "
                         "then 2.",
                     .conflicts = {"stdin", "VALUE"}},
                    {.long_name = "stdin",
                     .help = "Send all of standard input as one message with one bytes value.",
                     .conflicts = {"lines", "VALUE"}},
                    {.long_name = "repeat",
                     .value_name = "N",
                     .help = "Send the message N times.",
                     .default_value = "1",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = 1'000'000'000},
                    {.long_name = "interval",
                     .value_name = "DURATION",
                     .help = "Time to wait between repeats.",
                     .default_value = "1s",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                    {.long_name = "rate",
                     .value_name = "N",
                     .help = "Send at most N messages per second, evenly spaced; overrides "
                             "--interval.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = 10'000'000},
                    batch_delay_option(
                        "How long a message of a stream (--rate faster than one message per "
                        "DURATION, and --lines) may wait to be signed with the next ones: up to "
                        "32 messages share one signature, which receivers verify once. 0 signs "
                        "each message alone. Other sends never wait."),
                },
            .positional_name = "VALUE",
            .positional_help = "One value of the message: a string, or with --json-values, a "
                               "JSON value.",
            .positional_many = true,
            .examples =
                {
                    {"mcast send hello", "Send the string \"hello\" on topic \"default\"."},
                    {"mcast send --topic chat 'lunch at noon?'",
                     "Send one string on topic \"chat\"; quote a VALUE that holds spaces."},
                    {"mcast send --json-values --topic sensor '[\"kitchen\", 21.5, true]'",
                     "Send a tuple of a string, a number and a boolean."},
                    {"journalctl -f -o cat | mcast send --lines --topic log",
                     "Send each new log line as a message of its own."},
                },
            .exit_codes =
                {
                    {0, "The message was sent (with --repeat or --lines: every message), on "
                        "every family and interface or, when this host refused some of them (a "
                        "firewall rule here: EPERM), on the others: a warning on standard error "
                        "(with --json also a \"warning\" record) says which did not go out."},
                    {2, "Error: a bad option or value, a message larger than 65000 bytes, no "
                        "usable key, no usable network interface, or a message this host "
                        "refused to send on every family and interface."},
                },
        },
        {
            .name = "listen",
            .summary = "print each verified message",
            .description =
                "Joins the multicast groups on every usable interface and prints each message "
                "whose signature verifies: its sender, topic and values. Messages that are "
                "malformed, fail verification or repeat one already received are dropped "
                "silently; --stats counts them.\n\n"
                "listen runs until interrupted, unless --count or --timeout ends it sooner. It "
                "exits with status 0 if it received at least one message, and 1 if --timeout "
                "ran out before any arrived, so a script can wait for a message with 'mcast "
                "listen --count 1 --timeout 10s'.\n\n"
                "Each message is written as soon as it arrives, so the output can be piped. "
                "With --json, each message is one JSON object on a line of its own. When the "
                "reader of the output goes away (as in 'mcast listen | head -3'), listen exits "
                "quietly with status 0.",
            .options =
                {
                    accept_option(),
                    threads_option(),
                    source_option(),
                    {.long_name = "topic",
                     .value_name = "TOPIC",
                     .help = "Print only messages on this topic.",
                     .arity = Arity::Many,
                     .hint = Hint::Topic},
                    {.long_name = "count",
                     .value_name = "N",
                     .help = "Exit after printing N messages.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = kNoLimit},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Exit after DURATION, even if fewer than --count messages arrived; "
                             "with none at all, the exit status is 1.",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                    {.long_name = "stats",
                     .help =
                         "At exit, print how many messages were received and how many were "
                         "dropped, by reason, and how many the kernel dropped unread because the "
                         "receive queue was full; with --json, as a record of type "
                         "\"stats\"."},
                },
            .examples =
                {
                    {"mcast listen",
                     "Print every message sent on the local network, until Ctrl-C."},
                    {"mcast listen --topic chat --count 1 --timeout 10s",
                     "Wait up to ten seconds for one message on topic \"chat\"; exit status 1 if "
                     "none came."},
                    {"mcast listen --json --stats --timeout 1m > messages.jsonl",
                     "Record a minute of messages as JSON Lines, followed by the counters."},
                },
            .exit_codes =
                {
                    {0, "At least one message was received, or the output pipe was closed."},
                    {1,
                     "--timeout ran out (or a signal came) before any message arrived; the error "
                     "line says 'no message arrived', with --json also as a JSON record of "
                     "type \"error\"."},
                    {2, "Error: a bad option or value, or no usable network interface."},
                },
        },
        {
            .name = "announce",
            .summary = "make this machine visible on the network",
            .description =
                "Runs this machine's node: it announces its name, addresses (every interface, "
                "IPv4 and IPv6) and metadata to the local network, answers the queries of "
                "'mcast discover' after a small random delay, and sends a signed goodbye when "
                "it is stopped with Ctrl-C or SIGTERM, so that watchers drop it at once.\n\n"
                "The schedule follows mDNS: a short random delay, a burst of announcements one "
                "and two seconds apart, then one every --interval, and a new burst whenever "
                "what it announces changes (an interface comes or goes). Each announcement "
                "says how long it is valid (--lifetime); a node that dies without a goodbye "
                "disappears from the others when that runs out.\n\n"
                "A second node started with the same identity elsewhere on the network is "
                "reported as a conflict. An announcement this host refuses to send (a firewall "
                "rule here: EPERM) is warned about on standard error, once for each family, "
                "interface and errno, and the node goes on over what still works.\n\n"
                "On SIGHUP (systemctl reload) announce reads its settings (mcast-config(1)) and "
                "the trust store again and restarts its node with them, under the same identity; "
                "a mistake in them is reported and the node goes on as before. As a service, "
                "mcast-announce.service runs it as the user mcast, with its key, trust store and "
                "an optional config file in /var/lib/mcast; mcast-announce@NAME.service runs one "
                "more node called NAME, with its state in /var/lib/mcast-NAME/mcast.",
            .options =
                {
                    accept_option(),
                    threads_option(),
                    {.long_name = "name",
                     .value_name = "NAME",
                     .help = "Name to announce.",
                     .default_help = "the host name",
                     .arity = Arity::One},
                    {.long_name = "meta",
                     .value_name = "KEY=VALUE",
                     .help = "Metadata to announce, such as role=media or os=debian.",
                     .arity = Arity::Many},
                    {.long_name = "interval",
                     .value_name = "DURATION",
                     .help = "Time between announcements once the first burst is over.",
                     .default_value = "30s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 100ms,
                     .max_duration = 8h},
                    {.long_name = "lifetime",
                     .value_name = "DURATION",
                     .help = "How long others keep this node after its last announcement.",
                     .default_help = "three intervals",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .max_duration = 24h,
                     .bound_note = "which receivers accept"},
                    {.long_name = "once", .help = "Send one announcement and exit (no goodbye)."},
                    control_option(),
                    {.long_name = "control-group",
                     .value_name = "GROUP",
                     .help = "Let members of GROUP use the control socket too (the service uses "
                             "the group mcast); without it only this user and root may.",
                     .arity = Arity::One},
                    {.long_name = "no-weather",
                     .help = "Share no weather reports and serve no control socket (mcast "
                             "weather, activity and yield then have no local node to ask)."},
                    {.long_name = "anonymous",
                     .help = "Leave the name, labels and interface names out of weather reports "
                             "and round their rates to two significant figures."},
                    {.long_name = "weather-interval",
                     .value_name = "DURATION",
                     .help = "Time between weather reports when nothing changes (a change is "
                             "reported at once).",
                     .default_value = "5s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 1s,
                     .max_duration = 60s},
                    {.long_name = "igd",
                     .value_name = "WHEN",
                     .help = "Read the gateway's traffic counters and link rates over UPnP IGD "
                             "(an SSDP search on the LAN, then a poll every second), for the "
                             "weather's uplink figures.",
                     .default_value = "on",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"on", "off"}},
                    {.long_name = "uplink",
                     .value_name = "UP/DOWN",
                     .help = "The Internet uplink's capacity, such as 10Mbit/40Mbit, when the "
                             "gateway does not tell it over UPnP.",
                     .arity = Arity::One},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Stop after DURATION, with a goodbye.",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                },
            .examples =
                {
                    {"mcast announce --name media-pc --meta role=media",
                     "Make this machine visible as media-pc until Ctrl-C."},
                    {"mcast announce --once --name build-42",
                     "Announce once, for example from a CI job, and exit."},
                    {"mcast announce --interval 5s --lifetime 15s",
                     "Announce often, so a crashed node vanishes from watchers within 15 s."},
                },
            .exit_codes =
                {
                    {0, "Stopped by Ctrl-C, SIGTERM or --timeout, after a goodbye (or --once)."},
                    {2, "Error: a bad option or value, a bad key file, or no usable interface."},
                },
        },
        {
            .name = "discover",
            .summary = "list the nodes on the local network",
            .description =
                "Asks every node running 'mcast announce' to answer (the query is repeated "
                "against loss), gathers the answers and the announcements heard meanwhile, and "
                "prints one row per node: name, short id, every address with its interface, "
                "metadata, trust and age. A node reachable over several families or interfaces "
                "is one row.\n\n"
                "discover ends as soon as --expect nodes are found, or, without --expect, once "
                "no new node has answered for a short quiet period after the last query (well "
                "under a second), and at the latest at --timeout. It exits with status 0 when "
                "it found at least one node (or --expect nodes) and 1 otherwise, so scripts "
                "can wait for their peers.\n\n"
                "With --watch it keeps running and prints join, update and leave events as they "
                "happen: a node leaves at once when it says goodbye, and when its announcement "
                "expires when it died. A second process with a node's identity (a cloned key) is "
                "a conflict event naming both machines; so that a clone is not first shown as an "
                "update of the original, the update for a restarted node comes 2 s late. Each "
                "line begins with the local time (HH:MM:SS.micro, as listen's lines do); each "
                "JSON record has its time.",
            .options =
                {
                    accept_option(),
                    source_option(),
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Give up after DURATION (with --watch: stop watching).",
                     .default_value = "3s",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                    {.long_name = "expect",
                     .value_name = "N",
                     .help = "Stop as soon as N nodes are found; exit 1 if fewer were (not with "
                             "--watch, which does not stop when nodes are found).",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = kNoLimit,
                     .conflicts = {"watch"}},
                    {.long_name = "watch",
                     .help = "Keep running and print join, update and leave events."},
                    {.long_name = "name",
                     .value_name = "GLOB",
                     .help = "Only nodes whose name matches GLOB (shell wildcards).",
                     .arity = Arity::One},
                    {.long_name = "meta",
                     .value_name = "KEY=VALUE",
                     .help = "Only nodes that announce this metadata (repeat: all must match).",
                     .arity = Arity::Many},
                },
            .examples =
                {
                    {"mcast discover", "List the nodes on the network."},
                    {"mcast discover --expect 3 --timeout 10s --json",
                     "Wait up to ten seconds for three nodes, as JSON Lines; exit 1 if fewer."},
                    {"mcast discover --watch --name 'media-*'",
                     "Follow media nodes as they come and go."},
                },
            .exit_codes =
                {
                    {0, "At least one node (or --expect nodes) was found."},
                    {1, "No node (or fewer than --expect) was found before --timeout; or this "
                        "host refused to send some of the queries (a firewall rule here: "
                        "EPERM), so the list may be incomplete, even when it lists nodes."},
                    {2, "Error: a bad option or value, a bad key file, or no usable interface "
                        "(without --watch: at once; a watch waits for one to come up)."},
                },
        },
        {
            .name = "ping",
            .summary = "measure latency and loss to every node at once",
            .description =
                "Sends a signed probe to the multicast group every --interval, once per address "
                "family, and every node that runs 'mcast announce' (or 'mcast ping --respond') "
                "replies, signed and bound to this run. Each reply is printed as it arrives; at "
                "the end each responder gets a summary per family: probes sent and answered, "
                "loss, duplicates, reordering, and round-trip time min/avg/max/mdev.\n\n"
                "Round trips are measured close to the wire: the send time is taken after the "
                "probe is signed, the arrival time is the kernel's receive timestamp, and each "
                "reply carries how long the responder held the probe, which is subtracted (as "
                "NTP and TWAMP do). Signing and verifying therefore do not inflate the figures.\n\n"
                "With --unicast-too each responder is also probed by unicast, and the summary "
                "shows multicast and unicast side by side: loss on multicast alone points at "
                "IGMP/MLD snooping or a switch.\n\n"
                "For scripts: --expect, --peer, --max-loss and --max-rtt set what is acceptable; "
                "ping exits 0 when every responder is within bounds, 1 when not. A path that a "
                "responder answers on never (one family, or multicast while unicast answers) "
                "fails it without any bound, and so does a probe this host could not send (a "
                "firewall rule here: the warning names the errno). Every failing path is named, "
                "and a closing line counts the responders and those that were ok. Ctrl-C prints "
                "the summary so far and exits by the same rules; a probe sent less than --timeout "
                "before it is still in flight and is not counted (sent nor lost) for a responder "
                "that has not answered it yet, as ping and omping count only answered or "
                "timed-out probes.\n\n"
                "Every node expected is listed, answering or not: those discovered during the "
                "run, those named with --peer, and, where a resident node runs on this host "
                "('mcast announce'), every node it currently knows (whose weather reports are "
                "current), so that a node killed a moment ago shows as silent rather than "
                "missing.",
            .options =
                {
                    control_option(),
                    accept_option(),
                    threads_option(),
                    source_option(),
                    {.long_name = "count",
                     .value_name = "N",
                     .help = "Send N probes per family; 0 keeps going until Ctrl-C.",
                     .default_value = "5",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 0,
                     .max = kNoLimit},
                    {.long_name = "interval",
                     .value_name = "DURATION",
                     .help = "Time between probes; at least 100ms, since every node answers "
                             "each one and every process verifies each answer.",
                     .default_value = "1s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = min_ping_interval,
                     .bound_note = "every node answers each multicast probe"},
                    {.long_name = "size",
                     .value_name = "BYTES",
                     .help = size_help(),
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 0,
                     .max = static_cast<std::int64_t>(max_probe_size)},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "How long to wait for replies after the last probe.",
                     .default_value = "1s",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                    {.long_name = "peer",
                     .value_name = "PEER",
                     .help = "Report only this node (an id, a prefix of one, or a name); it is "
                             "expected to answer, and is listed as silent when it does not, "
                             "also when it is down: a friend's or a name seen before by "
                             "discover is known by its id (repeatable).",
                     .arity = Arity::Many},
                    {.long_name = "expect",
                     .value_name = "N",
                     .help = "Expect at least N responders; fewer is a failure (exit 1).",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = kNoLimit},
                    {.long_name = "unicast-too",
                     .help = "Also probe each responder by unicast and compare."},
                    {.long_name = "max-loss",
                     .value_name = "PCT",
                     .help = "Fail (exit 1) when a responder loses more than PCT percent.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 0,
                     .max = 100},
                    {.long_name = "max-rtt",
                     .value_name = "DURATION",
                     .help = "Fail (exit 1) when a responder's average round trip is longer.",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                    {.long_name = "respond",
                     .help = "Only answer other hosts' pings (a bare responder), until Ctrl-C "
                             "or --timeout.",
                     .conflicts = {"count", "speed", "peer", "expect", "unicast-too"}},
                    {.long_name = "speed",
                     .help =
                         "Speed test: stream signed datagrams at --rate for --duration; each "
                         "responder reports what it received and what it dropped itself because "
                         "it was too slow (its kernel's queue overflowed, or it read its "
                         "backlog too late), so loss shows as the network's or the "
                         "receiver's, and the line after says which limited the stream. "
                         "Takes --peer, --expect and --max-loss as a ping does.",
                     .conflicts = {"count", "interval", "max-rtt", "unicast-too"}},
                    {.long_name = "rate",
                     .value_name = "RATE",
                     .help = "With --speed: datagrams per second (1000, 20k), bits per second "
                             "(50Mbit, 1Gbit), or max.",
                     .default_help = "1000",
                     .arity = Arity::One,
                     .hint = Hint::Rate,
                     .needs = {"speed"}},
                    [] {
                        auto o = batch_delay_option(
                            "With --speed: how long a datagram may wait to be signed with the "
                            "next ones (up to 32 share one signature, which responders verify "
                            "once). 0 signs each alone, as probes and replies always are.");
                        o.default_value = {};
                        o.default_help = "1ms";
                        o.needs = {"speed"};
                        return o;
                    }(),
                    {.long_name = "duration",
                     .value_name = "DURATION",
                     .help = "With --speed: how long each stream lasts.",
                     .default_help = "2s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .needs = {"speed"}},
                    {.long_name = "find-max",
                     .help = "With --speed: search for the highest rate every responder receives "
                             "with loss under --max-loss (default 1%).",
                     .conflicts = {"expect"},
                     .needs = {"speed"}},
                },
            .examples =
                {
                    {"mcast ping", "Five probes per family to every node, then a summary each."},
                    {"mcast ping --count 20 --interval 200ms --unicast-too",
                     "Compare multicast and unicast loss and latency to every node."},
                    {"mcast ping --expect 3 --max-loss 5 --max-rtt 10ms --json",
                     "A check for cron or CI: exit 1 unless three nodes answer within bounds."},
                    {"mcast ping --speed --find-max --size 1200",
                     "Find how fast this machine can multicast before receivers lose datagrams."},
                },
            .exit_codes =
                {
                    {0, "Every responder answered within the bounds (and --expect were found)."},
                    {1, "A responder was silent (on any path it was probed on) or out of "
                        "bounds, too few answered, a --peer did not, or this host could not "
                        "send some probes."},
                    {2, "Error: a bad option or value, a bad key file, or no usable interface."},
                },
        },
        {
            .name = "trust",
            .summary = "manage the friends this node trusts",
            .synopsis = "mcast trust list\nmcast trust add PEER [--note TEXT]\nmcast trust remove "
                        "PEER\nmcast trust show PEER\nmcast trust forget NAME\nmcast trust forget "
                        "--id PREFIX",
            .description =
                "Keeps the trust store: the nodes this one calls friends, in a readable text file "
                "($XDG_CONFIG_HOME/mcast/trust, one friend per line: id, name, when added, note), "
                "written atomically. Commands that receive take --accept trusted to hear only "
                "friends; discover, listen and ping mark friends, and discover warns when a "
                "friend's name shows up with another key, as ssh warns of a changed host key.\n\n"
                "PEER is a node id, an unambiguous prefix of one, or a name: for add, a node "
                "seen on the network now (trust add runs a short discovery); for remove and "
                "show, a friend. An ambiguous PEER is an error that lists the candidates.\n\n"
                "discover also pins every name it sees to the first key seen with it "
                "($XDG_CONFIG_HOME/mcast/known_names) and warns when the name later comes with "
                "another key; 'mcast trust forget NAME' unpins a name once the change is known "
                "to be expected, and 'mcast trust forget --id PREFIX' unpins every name pinned "
                "to the key whose id starts with PREFIX (the form discover's warning suggests: "
                "an id is safe to copy into a shell, a name need not be).",
            .options =
                {
                    {.long_name = "note",
                     .value_name = "TEXT",
                     .help = "With add: a note to keep with the friend.",
                     .arity = Arity::One},
                    {.long_name = "id",
                     .value_name = "PREFIX",
                     .help = "With forget: unpin the names pinned to the key whose id starts "
                             "with PREFIX (at least 8 hex digits) instead of naming one.",
                     .arity = Arity::One,
                     .settable = false},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "With add: how long to look for PEER on the network.",
                     .default_value = "2s",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                },
            .positional_name = "ACTION",
            .positional_help = "list, add PEER, remove PEER, show PEER or forget NAME.",
            .positional_many = true,
            .actions = {"list", "add", "remove", "show", "forget"},
            .examples =
                {
                    {"mcast trust add media-pc --note 'living room'",
                     "Make the node called media-pc (seen on the network now) a friend."},
                    {"mcast trust list", "Show every friend."},
                    {"mcast listen --accept trusted", "Print only messages signed by friends."},
                },
            .exit_codes =
                {
                    {0, "Done."},
                    {1, "PEER (or forget's NAME or --id PREFIX) matched nothing."},
                    {2, "Error: a bad action, an ambiguous PEER, an unreadable trust store, or "
                        "the id of a key receivers refuse (small order or not canonical)."},
                },
        },
        {
            .name = "pair",
            .summary = "make mutual friends after comparing a code",
            .synopsis = "mcast pair PEER [--timeout DURATION]\nmcast pair --answer [PEER] "
                        "[--timeout DURATION]\nmcast pair ID --yes\nmcast pair --answer ID "
                        "--yes\nmcast pair --list",
            .description =
                "Makes two nodes each other's friends in one step each. One side runs 'mcast "
                "pair PEER' (PEER an id, an id prefix, or a name seen on the network now), the "
                "other 'mcast pair --answer'. Both screens then show the same six-digit code, "
                "derived from both keys and a random number from each side (the first side "
                "commits to its number before it sees the other's, so nobody in the middle can "
                "make the codes match). When the users see the same code and both accept, each "
                "node adds the other to its trust store.\n\n"
                "Requests repeat every second and expire at --timeout; an unanswered or refused "
                "request changes nothing. 'mcast pair --list' shows the requests waiting for "
                "this node.\n\n"
                "PEER is found by name or id prefix only if that node runs 'mcast announce' (or "
                "the mcast-announce service): 'mcast pair --answer' alone does not answer "
                "discovery, so a node that only runs it is found by its full id, which it "
                "prints while it waits.\n\n"
                "Each side gives the other its node's name (shown on the other screen and kept "
                "in the other's trust store): --name, else the name its announce is configured "
                "with ([announce] name), else the name the resident node on this host announces "
                "with the same key (asked over its control socket, as weather does: 'announce "
                "--name' given on its command line), else the host name.\n\n"
                "A script that cannot show a code to a person pairs with --yes, which takes PEER "
                "as a full id on both sides (mcast id prints it): the ids, passed on another "
                "channel, are then what is compared.\n\n"
                "--answer was called --accept in earlier versions, the name that listen, "
                "announce, discover and ping give to their filter (--accept any|trusted); pair "
                "still takes --accept for --answer, with a note.",
            .options =
                {
                    {.long_name = "answer",
                     .help = "Answer a pairing request (from PEER only, when given).",
                     .settable = false},
                    // The name --answer had before it was told apart from the --accept WHO
                    // filter of the commands that receive: kept so that scripts still work.
                    {.long_name = "accept",
                     .help = "The former name of --answer.",
                     .hidden = true,
                     .settable = false},
                    {.long_name = "list",
                     .help = "List the pairing requests addressed to this node.",
                     .settable = false},
                    {.long_name = "name",
                     .value_name = "NAME",
                     .help = "The name to give the other side, as announce's --name.",
                     .default_help =
                         "[announce] name, else the resident node's name, else the host name",
                     .arity = Arity::One},
                    {.long_name = "yes",
                     .help = "Accept without asking; only with PEER given as a full id, since "
                             "no code is compared: the id alone decides who is paired.",
                     .settable = false},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Give up after DURATION (with --list: listen this long, 3s).",
                     .default_help = "60s",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                },
            .positional_name = "PEER",
            .positional_help = "The node to pair with: an id, an id prefix, or a name.",
            .examples =
                {
                    {"mcast pair media-pc", "Start pairing with media-pc; compare the code."},
                    {"mcast pair --answer", "On media-pc: answer, compare the code, accept."},
                    {"mcast pair --list", "Show who is asking to pair with this node."},
                },
            .exit_codes =
                {
                    {0, "Paired (or, with --list, requests are waiting)."},
                    {1, "Not paired: refused, timed out, or PEER not found (with --list: no "
                        "request is waiting)."},
                    {2, "Error: a bad option or value, a bad key file or trust store."},
                },
        },
        {
            .name = "weather",
            .summary = "show what the LAN does with its uplink",
            .description =
                "Shows the network weather: a row per node (name, declared activities, priority, "
                "upload and download rates of its default-route link, a sparkline of the last "
                "minute on a terminal, age of its last report), the LAN totals, the gateway "
                "(utilisation of the uplink, queueing delay now against its floor, a grade from "
                "A+ to F) and a one-line verdict: clear, busy or congested, with the reason, or "
                "unknown while nothing measures the traffic (no node reports a default route, no "
                "gateway figures).\n\n"
                "Every resident node ('mcast announce', the service) sends a signed weather report "
                "every few seconds and at once when one of its activities starts or ends "
                "(docs/weather.md). weather asks the resident node of this machine over its "
                "control socket and answers at once; where none runs it listens for one report "
                "interval itself and says so. With --watch it keeps showing updates: redrawn in "
                "place on a terminal, one record per update otherwise.",
            .options =
                {
                    control_option(),
                    {.long_name = "watch",
                     .help = "Keep showing updates until Ctrl-C, --count or --timeout."},
                    {.long_name = "heed",
                     .value_name = "WHO",
                     .help = "Whose reports count in the totals and the verdict: any node, or "
                             "only friends in the trust store.",
                     .default_value = "any",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"any", "trusted"}},
                    {.long_name = "listen",
                     .value_name = "DURATION",
                     .help = "Where no resident node runs: how long to listen for reports.",
                     .default_value = "6s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 100ms,
                     .max_duration = 5min},
                    {.long_name = "count",
                     .value_name = "N",
                     .help = "With --watch: stop after N updates.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = 1000000000,
                     .needs = {"watch"}},
                    {.long_name = "interval",
                     .value_name = "DURATION",
                     .help = "With --watch: time between updates (without it: ignored).",
                     .default_value = "1s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 100ms,
                     .max_duration = 1h},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Stop after DURATION.",
                     .arity = Arity::One,
                     .hint = Hint::Duration},
                },
            .examples =
                {
                    {"mcast weather", "Show the LAN's weather now."},
                    {"mcast weather --watch", "Keep it on screen, like top."},
                    {"mcast weather --json | jq .verdict", "The verdict, for a script."},
                },
            .exit_codes =
                {
                    {0, "The weather was shown."},
                    {1, "No report was heard (no resident node here, none heard on the network)."},
                    {2, "Error: a bad option or value, or the control socket refused."},
                },
        },
        {
            .name = "activity",
            .summary = "declare what this machine is doing",
            .synopsis = "mcast activity set CLASS [--rate RATE] [--for DURATION] [--label TEXT] "
                        "[--priority N]\nmcast activity run CLASS [--rate RATE] [--label TEXT] "
                        "-- CMD [ARGS...]\nmcast activity clear [ID]\nmcast activity list",
            .description =
                "Tells the resident node of this machine (over its control socket) what this "
                "machine is doing, so that its weather reports carry it and bulk jobs elsewhere "
                "on the LAN ('mcast yield') give way to it. A declaration holds for --for and then "
                "lapses by itself, so a forgotten one never lingers; 'clear' ends it sooner.\n\n"
                "CLASS is one of interactive (priority 7), live-stream (6; video calls too), "
                "on-demand-stream (5), bulk-download (2), bulk-upload (2) and backup (1); a "
                "higher priority goes first. 'set' prints the declaration's id; 'clear ID' ends "
                "that one, 'clear' alone every declaration of this user; 'list' shows them all.\n\n"
                "'run CLASS -- CMD' declares CLASS exactly while CMD runs: the node ends the "
                "declaration when CMD ends, and also when mcast itself dies, SIGKILL included "
                "(the declaration is held by mcast's connection to the node). Signals are "
                "forwarded to CMD, and mcast exits with CMD's status (127: CMD not found, 126: "
                "not runnable). CMD finds the declaration's id in MCAST_ACTIVITY.",
            .options =
                {
                    control_option(),
                    {.long_name = "rate",
                     .value_name = "RATE",
                     .help = "The rate the activity needs, in bits per second (8Mbit).",
                     .arity = Arity::One,
                     .hint = Hint::Rate},
                    {.long_name = "for",
                     .value_name = "DURATION",
                     .help = "How long the declaration holds unless cleared.",
                     .default_value = "1h",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 1s,
                     .max_duration = 24h * 7},
                    {.long_name = "label",
                     .value_name = "TEXT",
                     .help = "A few words for the others' weather (at most 64 bytes).",
                     .arity = Arity::One},
                    {.long_name = "priority",
                     .value_name = "N",
                     .help = "0-7 instead of the class's own priority.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 0,
                     .max = 7},
                },
            .positional_name = "ACTION",
            .positional_help = "set CLASS, clear [ID], list, or run CLASS -- CMD [ARGS...].",
            .positional_many = true,
            .examples =
                {
                    {"mcast activity set live-stream --rate 8Mbit --for 2h --label 'match'",
                     "Say that this machine streams live video for the next two hours."},
                    {"mcast activity run interactive -- ssh build-box",
                     "Say 'interactive' for exactly as long as the ssh session lasts."},
                    {"mcast activity clear", "End this user's declarations now."},
                },
            .exit_codes =
                {
                    {0, "Done."},
                    {1, "No resident node runs on this machine, or ID matched nothing."},
                    {2, "Error: a bad action, class, option or value, or the node refused the "
                        "request (too many declarations)."},
                    {126, "run: CMD was found but could not be run (otherwise run exits with "
                          "CMD's status)."},
                    {127, "run: CMD was not found."},
                },
        },
        {
            .name = "share",
            .summary = "share folders with the LAN",
            .synopsis = "mcast share add PATH [--label LABEL] [--friends-only]\nmcast share list\n"
                        "mcast share remove LABEL|PATH",
            .description =
                "Keeps the list of folders this machine's resident node makes searchable on "
                "the LAN ('mcast search'), in $XDG_CONFIG_HOME/mcast/shares next to the trust "
                "store, so that they stay shared across restarts. A running resident node is "
                "told at once over its control socket and indexes the folder in the background "
                "(at low priority; hashes are cached in $XDG_CACHE_HOME/mcast/catalogue, so a "
                "restart does not hash again; changes are seen by inotify, and by a rescan "
                "every five minutes).\n\n"
                "'add PATH' shares a folder under a label (the folder's name unless --label); "
                "with --friends-only, only nodes in the trust store see it. 'list' shows the "
                "shares, with the number of files the node has indexed when it runs; 'remove' "
                "takes a label or a path. Symbolic links that point out of a share are never "
                "shared.",
            .options =
                {
                    control_option(),
                    {.long_name = "label",
                     .value_name = "LABEL",
                     .help = "The share's name in search results (at most 64 bytes, no '/').",
                     .arity = Arity::One},
                    {.long_name = "friends-only",
                     .help = "Only nodes in the trust store see this share in their searches."},
                },
            .positional_name = "ACTION",
            .positional_help = "add PATH, list, or remove LABEL|PATH.",
            .positional_many = true,
            .actions = {"add", "list", "remove"},
            .examples =
                {
                    {"mcast share add ~/Videos --label films",
                     "Make ~/Videos searchable on the LAN as 'films'."},
                    {"mcast share add ~/Photos --friends-only",
                     "Share the photos with friends only."},
                    {"mcast share list --json", "The shares, as JSON Lines."},
                },
            .exit_codes =
                {
                    {0, "Done."},
                    {1, "remove: no share has that label or path."},
                    {2, "Error: a path that does not exist or cannot be read, a label in use, a "
                        "bad action, or the shares file cannot be written."},
                },
        },
        {
            .name = "search",
            .summary = "find files shared on the LAN",
            .synopsis = "mcast search [TERM...] [--type TYPE] [--min-size BYTES] "
                        "[--max-size BYTES] [--streaming] [--timeout DURATION]",
            .description =
                "Sends one signed query to every node and lists the files their shares ('mcast "
                "share') hold that match: node, share, path, size, media type, content hash, "
                "and a result id for 'mcast fetch'. Nodes answer by unicast within a few tens "
                "of milliseconds, so search ends a quarter of a second after the last answer "
                "(at the latest at --timeout).\n\n"
                "Every TERM must match. A TERM with '*' or '?' is a glob matched against the "
                "file's name; any other TERM is matched anywhere in the file's path inside its "
                "share. Both ignore ASCII case. Without TERM every file matches, within the "
                "limits. Each node answers at most --limit files (and at most 50), and says so "
                "when it left some out; search says so too. Friends-only shares answer only "
                "nodes that trust this one.\n\n"
                "With --streaming it lists what is being streamed on the LAN now: the shared "
                "files each node is sending at this moment (the TERMs and limits filter them), "
                "with their viewers (the nodes fetching them, and for how long) and the rate, and "
                "the live-stream and on-demand-stream activities that the resident node's "
                "weather knows of ('mcast activity').",
            .options =
                {
                    {.long_name = "type",
                     .value_name = "TYPE",
                     .help = "Only files of this media type (by extension).",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"video", "audio", "image", "text", "document", "archive",
                                 "other"}},
                    {.long_name = "min-size",
                     .value_name = "BYTES",
                     .help = "Only files of at least BYTES bytes.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 0,
                     .max = kNoLimit},
                    {.long_name = "max-size",
                     .value_name = "BYTES",
                     .help = "Only files of at most BYTES bytes.",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 0,
                     .max = kNoLimit},
                    {.long_name = "limit",
                     .value_name = "N",
                     .help = "At most N files from each node.",
                     .default_value = "50",
                     .arity = Arity::One,
                     .hint = Hint::Number,
                     .min = 1,
                     .max = 100},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Stop waiting for answers after DURATION.",
                     .default_value = "2s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 100ms,
                     .max_duration = 1h},
                    {.long_name = "streaming",
                     .help = "List what is being streamed now: shared files being served, with "
                             "their viewers, and declared live streams."},
                    control_option(),
                },
            .positional_name = "TERM",
            .positional_help = "Words and globs that must all match.",
            .positional_many = true,
            .examples =
                {
                    {"mcast search holiday --type video",
                     "Videos with 'holiday' in their path, on every node."},
                    {"mcast search '*.iso' --min-size 1000000000 --json",
                     "ISO images of a gigabyte or more, as JSON Lines."},
                    {"mcast search --streaming",
                     "What is being streamed on the LAN now, and who watches."},
                },
            .exit_codes =
                {
                    {0, "At least one file (with --streaming: one stream) was found."},
                    {1, "Nothing was found."},
                    {2, "Error: a bad option or value, or no interface to search on."},
                },
        },
        {
            .name = "fetch",
            .summary = "download a search result from its nodes, verified",
            .synopsis = "mcast fetch RESULT... [-o FILE|DIR] [--stream] [--timeout DURATION] "
                        "[--no-yield]",
            .description =
                "Finds each RESULT with one search and downloads it over HTTPS (TLS 1.3) from "
                "every node that answered with the same content, at once. Each node must show "
                "the key that signed its answer; no certificate authority is involved. Every "
                "block is checked against the content hash the answer was signed with before it "
                "is written. The file is written to FILE.mcast-part with a record of the "
                "verified blocks in FILE.mcast-blocks: an interrupted fetch run again fetches "
                "only what is missing. The file appears under its name only when it is "
                "complete. A node that sends a block that does not match is reported and not "
                "asked again; the block comes from another node.\n\n"
                "RESULT is a result id from 'mcast search', a prefix of a content hash (8 hex "
                "digits or more), or NODE:PATH (a node's name or id prefix and the file's path "
                "in its shares, with or without the share's label).\n\n"
                "With --stream, fetch also serves the file on 127.0.0.1 over plain HTTP with "
                "Range requests and prints its URL: a player reads it while it downloads, the "
                "blocks it asks for fetched first, each verified before the player sees it "
                "(mpv \"$(mcast fetch --stream RESULT)\"). It keeps serving the complete file "
                "until interrupted.\n\n"
                "While the resident node's weather advises a job of --priority to give way, "
                "fetch keeps below the advised rate, or waits (--no-yield: never).",
            .options =
                {
                    {.long_name = "output",
                     .short_name = 'o',
                     .value_name = "FILE|DIR",
                     .help = "Write to FILE, or into the directory DIR (the file's own name).",
                     .default_help = "the file's own name, in the current directory",
                     .arity = Arity::One,
                     .hint = Hint::File},
                    {.long_name = "force", .help = "Replace a file that is already there."},
                    {.long_name = "stream",
                     .help = "Serve the file to a player on 127.0.0.1 while it downloads, and "
                             "print its URL."},
                    {.long_name = "timeout",
                     .value_name = "DURATION",
                     .help = "Wait this long for search answers.",
                     .default_value = "2s",
                     .arity = Arity::One,
                     .hint = Hint::Duration,
                     .min_duration = 100ms,
                     .max_duration = 1h},
                    {.long_name = "no-yield", .help = "Do not give way to the LAN's live traffic."},
                    control_option(),
                    {.long_name = "priority",
                     .value_name = "LEVEL",
                     .help = "The fetch's priority: low gives way to every declared bulk "
                             "transfer too; normal to what ranks above bulk.",
                     .default_value = "normal",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"low", "normal"}},
                    {.long_name = "heed",
                     .value_name = "WHO",
                     .help = "Whose weather reports count: any node's, or only friends'.",
                     .default_value = "any",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"any", "trusted"}},
                    {.long_name = "advice-file",
                     .value_name = "FILE",
                     .help = "Test only: read the advice from FILE ('yield [RATE [REASON]]' or "
                             "'clear') instead of asking the resident node.",
                     .arity = Arity::One,
                     .hint = Hint::File,
                     .hidden = true,
                     .settable = false},
                },
            .positional_name = "RESULT",
            .positional_help = "A result id, a content hash prefix, or NODE:PATH.",
            .positional_many = true,
            .examples =
                {
                    {"mcast fetch 3f2a9c01b7e4-9d1e0c55aa01",
                     "The file of that search result, into the current directory."},
                    {"mcast fetch media-pc:films/holiday.mkv -o ~/Videos/",
                     "A file by node and path, into ~/Videos."},
                },
            .exit_codes =
                {
                    {0, "Every RESULT was fetched and verified."},
                    {1, "A RESULT was not found on the LAN."},
                    {2, "Error: a bad option, an ambiguous RESULT, no holder left, a full "
                        "disk (the verified part is kept)."},
                },
        },
        {
            .name = "yield",
            .summary = "run a job that gives way to the LAN's live traffic",
            .synopsis = "mcast yield [OPTIONS] -- CMD [ARGS...]",
            .description =
                "Runs CMD (a download, an upload, a backup) and makes it give way while the "
                "network weather says so: while another machine on the LAN declares traffic of "
                "a higher priority (a live stream, a video call, a game) or the uplink is "
                "congested, and lets it run at full speed otherwise. The advice comes from this "
                "machine's resident node ('mcast announce' or the service), which gathers the "
                "LAN's weather reports; it is asked every 250 ms. Without a resident node to "
                "ask, CMD runs at full speed, and yield says so once; so it does while the "
                "weather is unknown (no rates measured yet), which is no reason to yield.\n\n"
                "CMD runs in a process group of its own, so that a pause holds the whole job, "
                "its children included. With --mode pause (the default) the group is stopped "
                "(SIGSTOP) while yielding and continued (SIGCONT) when the weather clears, as "
                "Steam pauses downloads. With --mode throttle it is run for part of each second "
                "and stopped for the rest, the part worked out so that this machine's traffic "
                "(the byte counters of the interfaces that hold the default routes, in the "
                "busier direction) averages the advised rate: an approximation, since the "
                "counters hold all of the machine's traffic and a job's rate lags its stops and "
                "starts. --min-rate keeps the job at that rate at least: throttle never aims "
                "lower, and pause then duty-cycles towards it instead of stopping the job.\n\n"
                "Programs with a limit of their own (a torrent client's alternative speed) are "
                "better told than stopped: --on-yield and --on-clear run a command through "
                "/bin/sh -c at each change, one at a time and in order, with MCAST_YIELD (1 "
                "or 0), MCAST_YIELD_RATE (the advised rate in bit/s, when there is one) and "
                "MCAST_YIELD_REASON in its environment. When CMD ends while yielding, "
                "--on-clear runs once more.\n\n"
                "SIGINT (Ctrl-C), SIGTERM, SIGHUP and SIGQUIT are passed on to CMD's group (a "
                "paused job is continued first, so that it can act on them) and yield exits "
                "with CMD's exit status, 128 + N when CMD was killed by signal N, as shells do. "
                "CMD is never left stopped: a guard process, which ignores those signals, "
                "continues the group (and runs --on-clear, if yield had yielded) as soon as "
                "mcast is gone, even after kill -9; it does not end CMD, which then runs on "
                "at full speed. Since CMD's group is not the terminal's foreground group, a CMD "
                "that reads from the terminal is stopped by it (SIGTTIN): give it its input "
                "another way.\n\n"
                "Changes are notes on standard error, so CMD's standard output stays its own; "
                "with --json they are records on standard output, among CMD's lines.",
            .options =
                {
                    control_option(),
                    {.long_name = "mode",
                     .value_name = "MODE",
                     .help = "How to give way: pause stops CMD while yielding; throttle "
                             "duty-cycles it towards the advised rate.",
                     .default_value = "pause",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"pause", "throttle"}},
                    {.long_name = "min-rate",
                     .value_name = "RATE",
                     .help = "Never hold CMD below this rate, in bits per second (2Mbit): "
                             "throttle aims no lower, pause duty-cycles towards it.",
                     .arity = Arity::One,
                     .hint = Hint::Rate},
                    {.long_name = "priority",
                     .value_name = "LEVEL",
                     .help = "CMD's priority: low (1, as a backup) gives way to every declared "
                             "bulk transfer too; normal (2, as a bulk download) to what ranks "
                             "above bulk.",
                     .default_value = "normal",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"low", "normal"}},
                    {.long_name = "heed",
                     .value_name = "WHO",
                     .help = "Whose weather reports count: any node's, as on a home LAN, or "
                             "only friends' (mcast trust).",
                     .default_value = "any",
                     .arity = Arity::One,
                     .hint = Hint::Choice,
                     .choices = {"any", "trusted"}},
                    {.long_name = "on-yield",
                     .value_name = "COMMAND",
                     .help = "Run COMMAND (through /bin/sh -c) each time CMD starts to yield.",
                     .arity = Arity::One},
                    {.long_name = "on-clear",
                     .value_name = "COMMAND",
                     .help = "Run COMMAND (through /bin/sh -c) each time the weather clears.",
                     .arity = Arity::One},
                    {.long_name = "advice-file",
                     .value_name = "FILE",
                     .help = "Test only: read the advice from FILE at each poll ('yield [RATE "
                             "[REASON]]', 'clear' or 'unknown') instead of asking the resident "
                             "node.",
                     .arity = Arity::One,
                     .hint = Hint::File,
                     .hidden = true,
                     .settable = false},
                },
            .positional_name = "CMD",
            .positional_help = "The command to run, and its arguments (after --).",
            .positional_many = true,
            .examples =
                {
                    {"mcast yield -- rsync -a ~/photos nas:/backup/",
                     "Back up, pausing while someone on the LAN streams or calls."},
                    {"mcast yield --mode throttle --min-rate 1Mbit -- wget -c URL",
                     "Download, slowed to the advised rate while yielding, never below 1 "
                     "Mbit/s."},
                    {"mcast yield --on-yield ./alt-speed --on-clear ./alt-speed -- sleep 8h",
                     "Run ./alt-speed at each change for eight hours; it reads MCAST_YIELD (1 "
                     "or 0) and runs transmission-remote -as or -AS, the torrent client's "
                     "alternative speed."},
                },
            .exit_codes =
                {
                    {0, "CMD succeeded. Whatever CMD exits with, yield exits with: its "
                        "status, or 128 + N when it was killed by signal N, as shells do."},
                    {1, "CMD exited with 1."},
                    {2, "Error: a bad option or value, or no CMD (as when CMD itself exits "
                        "with 2)."},
                    {126, "CMD was found but could not be run."},
                    {127, "CMD was not found."},
                },
        },
        {
            .name = "config",
            .summary = "show the settings in effect and where each comes from",
            .synopsis = "mcast config [OPTIONS] [COMMAND [ARGS...]]",
            .description =
                "Prints every setting of COMMAND (without COMMAND: the global ones, which every "
                "command shares), its value, and where the value came from: the default, a line "
                "of a config file, an environment variable or the command line; ARGS after "
                "COMMAND are read as COMMAND's, so 'mcast config ping --count 3' shows what "
                "'mcast ping --count 3' would run with. Each place "
                "overrides the one before it: first /etc/mcast/config, the system's settings "
                "($MCAST_SYSTEM_CONFIG names another file instead); then "
                "$XDG_CONFIG_HOME/mcast/config (~/.config/mcast/config), the user's; then "
                "environment variables, MCAST_<OPTION> for a global option (MCAST_TTL=2, "
                "MCAST_INTERFACE=eth0,eth1) and MCAST_<COMMAND>_<OPTION> for a command's own "
                "(MCAST_PING_INTERVAL=200ms); and last the command line.\n\n"
                "A config file is INI. A setting is an option's long name, '=', and its value, "
                "as on the command line: 'ttl = 2', 'interface = eth0'. At the top of the file go "
                "the global options, which mean the same to every command (interface, group, "
                "scope, port, ttl, identity, ipv4, ipv6, quiet, verbose); a command's own options, "
                "and global ones for that command alone, go under a heading '[COMMAND]' and win "
                "over the top ones of the same file. Flags take true or false (or yes/no, on/off, "
                "1/0); false in the user's file undoes true in the system's. An option that takes "
                "several values (interface, group, meta) is written once per value, and an empty "
                "value ('interface =') drops those of the places before; a variable separates "
                "interfaces and groups with commas. The values of a place replace those of the "
                "places before it. Quotes around a whole value are removed. '#' or ';' starts a "
                "comment at the start of a line or after a space, outside quotes ('color=#ff0000' "
                "keeps its '#'). A relative file name is relative to "
                "the file's directory. Options that choose an action (id --new, pair --answer) "
                "cannot be set, nor --json: a program that reads JSON asks for it on its command "
                "line.\n\n"
                "Every file and variable is checked whichever command runs: a mistake is an "
                "error (exit status 2) that names the file and line, or the variable; an MCAST_ "
                "variable that names no setting is ignored. A setting gives way to the command "
                "line and to later places: to an option it conflicts with (-6 on the command line "
                "beats ipv4 = true in a file), and to arguments it excludes; a setting that is "
                "only valid with another option (ping's rate, with --speed) waits for it. "
                "'mcast announce' reads its settings and the trust store again on SIGHUP "
                "(systemctl reload), all but --json, -q, -v, --timeout and --once, which keep "
                "their values from the start.",
            .positional_name = "COMMAND",
            .positional_help = "Show the settings of this command (and read the ARGS after it "
                               "as its options).",
            .positional_many = true,
            .positional_hint = Hint::Command,
            .examples =
                {
                    {"mcast config ping", "Show ping's settings and where each one comes from."},
                    {"MCAST_TTL=4 mcast config --json",
                     "The global settings as JSON records; ttl comes from MCAST_TTL."},
                    {"printf 'ttl = 2\\n[ping]\\ninterval = 200ms\\n' >> ~/.config/mcast/config",
                     "Set a TTL of 2 for every command and a ping interval for ping alone."},
                },
            .exit_codes =
                {
                    {0, "The settings were printed."},
                    {2, "Error: an unknown command, or a bad line in a config file or a bad "
                        "MCAST_* variable (named in the message)."},
                },
        },
        {
            .name = "help",
            .summary = "show help for a command",
            .synopsis = "mcast help [COMMAND]",
            .description =
                "Prints the help of COMMAND: what it does, its options and their defaults, "
                "examples and exit status. Without COMMAND, prints the list of commands and the "
                "global options. 'mcast COMMAND --help' prints the same, and so do the manual "
                "pages mcast(1) and mcast-COMMAND(1).",
            .positional_name = "COMMAND",
            .positional_help = "The command to explain.",
            .positional_hint = Hint::Command,
            .examples =
                {
                    {"mcast help send", "Show what send does, its options and their defaults."},
                    {"mcast help", "List the commands and the global options."},
                },
            .exit_codes =
                {
                    {0, "The help was printed."},
                    {2, "COMMAND is not a command of mcast."},
                },
        },
    };
    return specs;
}

const std::vector<Definition>& environment_variables() {
    static const std::vector<Definition> variables = {
        {"MCAST_IDENTITY", "The key file to use when --identity is not given."},
        {"MCAST_<OPTION>, MCAST_<COMMAND>_<OPTION>",
         "A setting, as in a config file: MCAST_TTL=2 for a global option, "
         "MCAST_PING_INTERVAL=200ms for one of ping's (see mcast-config(1)). Interfaces and "
         "groups are separated by commas."},
        {"MCAST_SYSTEM_CONFIG", "The system config file to read instead of /etc/mcast/config."},
        {"XDG_CONFIG_HOME",
         "The directory of the default key file, $XDG_CONFIG_HOME/mcast/identity.pem; ~/.config "
         "when not set."},
        {"NO_COLOR",
         "When set to a non-empty value, output is never colored. Otherwise text output is "
         "colored only when it goes to a terminal."},
    };
    return variables;
}

const std::vector<Definition>& files() {
    static const std::vector<Definition> entries = {
        {"/etc/mcast/config", "The system's settings (see mcast-config(1))."},
        {"~/.config/mcast/config",
         "The user's settings, read after the system's ($XDG_CONFIG_HOME/mcast/config)."},
        {"~/.config/mcast/trust",
         "The trust store: the friends of this node, one per line (see mcast-trust(1))."},
        {"~/.config/mcast/known_names",
         "The key each name was first seen with, to warn when a name comes with another key."},
        {"~/.config/mcast/shares",
         "The folders the resident node shares, one per line (see mcast-share(1))."},
        {"~/.cache/mcast/catalogue",
         "The hashes of the shared files by path, size and mtime, so that a restart does not "
         "hash them again ($XDG_CACHE_HOME/mcast/catalogue)."},
        {"~/.config/mcast/identity.pem",
         "This node's Ed25519 private key (PEM), used when neither --identity nor MCAST_IDENTITY "
         "is given. It must not be readable by other users; 'mcast id --new' creates it."},
    };
    return entries;
}

} // namespace mcast::cli
