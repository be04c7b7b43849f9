// The human tables and rows of the CLI: columns measured in terminal columns (wide characters
// count two, combining marks none), metadata that reads one way only, and the TRUST column of
// discover's update rows. No network, no binary.
#include "peer_printers.hpp"
#include "table.hpp"

#include <mcast/trust_store.hpp>

#include <gtest/gtest.h>

namespace mcast::cli {
namespace {

TEST(CliTable, DisplayWidthCountsTerminalColumns) {
    EXPECT_EQ(display_width(""), 0u);
    EXPECT_EQ(display_width("media-pc"), 8u);
    EXPECT_EQ(display_width("grüß"), 4u);
    EXPECT_EQ(display_width("日本語"), 6u);        // East Asian wide
    EXPECT_EQ(display_width("e\u0301"), 1u);       // e + combining acute
    EXPECT_EQ(display_width("\U0001F600 ok"), 5u); // an emoji is two columns
    EXPECT_EQ(display_width("\xff\xfe"), 2u);      // stray bytes: one column each
    EXPECT_EQ(display_width("\xe6\x97"), 1u);      // a truncated sequence: one character
    EXPECT_EQ(display_width("\xef\xbc\xa1"), 2u);  // fullwidth Latin A
}

TEST(CliTable, WideCharactersKeepTheColumnsAligned) {
    const auto lines = table_lines({{"NAME", "ID"}, {"日本", "abc"}, {"media-pc", "def"}});
    ASSERT_EQ(lines.size(), 3u);
    // The second column starts at the same terminal column on every line.
    const auto id_column = [](const std::string& line, std::string_view id) {
        return display_width(line.substr(0, line.find(id)));
    };
    EXPECT_EQ(id_column(lines[0], "ID"), id_column(lines[1], "abc")) << lines[1];
    EXPECT_EQ(id_column(lines[0], "ID"), id_column(lines[2], "def")) << lines[2];
    EXPECT_EQ(id_column(lines[0], "ID"), 10u);
}

TEST(CliTable, MetaValuesWithSpacesAreQuoted) {
    EXPECT_EQ(meta_text({}), "-");
    EXPECT_EQ(meta_text({{"role", "media"}, {"os", "debian"}}), "role=media os=debian");
    // Without quotes, "room=living room" would read as two entries.
    EXPECT_EQ(meta_text({{"room", "living room"}, {"x", ""}}), R"(room="living room" x="")");
    EXPECT_EQ(meta_text({{"a=b", "c=d"}}), R"("a=b"=c=d)");
    // Quotes inside are escaped, so the quoting cannot be faked.
    EXPECT_EQ(meta_text({{"k", R"(v" z="w)"}}), R"(k="v\" z=\"w")");
}

TEST(CliTable, UpdateRowsCarryTheTrustMark) {
    PeerEvent e{PeerEventKind::update, {}, {}};
    e.peer.info.name = "media-pc";
    const TrustStore none;
    auto line = human_event(e, MonoTime{}, &none);
    EXPECT_EQ(line.substr(0, 6), "update");
    EXPECT_EQ(line.back(), '-') << line; // not a friend: the same mark as a join row
    PeerEvent j = e;
    j.kind = PeerEventKind::join;
    EXPECT_EQ(human_event(j, MonoTime{}, &none).back(), '-');
}

} // namespace
} // namespace mcast::cli
