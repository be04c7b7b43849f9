// See table.hpp.
#include "table.hpp"

#include <algorithm>
#include <iterator>

namespace mcast::cli {
namespace {

struct Range {
    char32_t first, last;
};

// Code points that take no column: combining marks, zero-width spaces and joiners, variation
// selectors (after Markus Kuhn's wcwidth, which terminals follow).
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

// East Asian Wide and Fullwidth code points, and emoji, which terminals draw two columns wide.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <std::size_t N> bool in(const Range (&ranges)[N], char32_t c) {
    return std::any_of(std::begin(ranges), std::end(ranges),
                       [c](const Range& r) { return c >= r.first && c <= r.last; });
}

} // namespace

std::size_t display_width(std::string_view s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        // Decode one UTF-8 sequence; a stray byte counts as one column, as terminals show it.
        const std::size_t n = b < 0x80         ? 1
                              : (b >> 5) == 6  ? 2
                              : (b >> 4) == 14 ? 3
                              : (b >> 3) == 30 ? 4
                                               : 1;
        char32_t c = n == 1 ? char32_t{b} : static_cast<char32_t>(b & (0x7Fu >> n));
        std::size_t used = 1;
        for (; used < n && i + used < s.size(); ++used) {
            const auto cont = static_cast<unsigned char>(s[i + used]);
            if ((cont & 0xC0) != 0x80) break;
            c = (c << 6) | static_cast<char32_t>(cont & 0x3Fu);
        }
        if (used < n) { // truncated: the bytes so far are one unknown character
            c = 0xFFFD;
        }
        i += used;
        if (in(kZeroWidth, c)) continue;
        width += in(kWide, c) ? std::size_t{2} : std::size_t{1};
    }
    return width;
}

std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows,
                                     const TableStyle& style) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        if (width.size() < row.size()) width.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], display_width(row[i]));
    }
    std::vector<std::string> lines;
    for (std::size_t n = 0; n < rows.size(); ++n) {
        const bool dim = n < style.dim_rows.size() && style.dim_rows[n];
        std::string line;
        for (std::size_t i = 0; i < rows[n].size(); ++i) {
            std::string cell = rows[n][i];
            if (i + 1 < rows[n].size()) cell.append(width[i] + 2 - display_width(cell), ' ');
            if (style.color && n == 0)
                cell = "\x1b[1m" + cell + "\x1b[0m";
            else if (style.color && dim)
                cell = "\x1b[2m" + cell + "\x1b[0m";
            else if (style.color && static_cast<int>(i) == style.accent_column)
                cell = "\x1b[36m" + cell + "\x1b[0m";
            line += cell;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace mcast::cli
