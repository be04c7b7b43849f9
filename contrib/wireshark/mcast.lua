-- mcast.lua: a Wireshark dissector for mcast's signed multicast datagrams (wire format v1,
-- docs/protocol.md). It exists so that what is on the wire can be read, filtered and checked
-- without mcast itself: every header field, the typed tuple down to each value, the well-known
-- payloads (presence, ping, speed test, pairing) by name, and the spec's strict decoding rules
-- as expert info, named after the receiver's drop reasons (bad_magic, bad_length, truncated, ...).
-- It does not verify the Ed25519 signature: Wireshark's Lua has no Ed25519. Batch-signed
-- datagrams (section 3.4) are decoded field by field and their Merkle path is checked (SHA-256)
-- against the root they carry; the root's signature is not verified either.
--
-- Use:   tshark -X lua_script:contrib/wireshark/mcast.lua -r capture.pcapng -Y mcast
-- or install it for Wireshark and tshark alike:
--        mkdir -p ~/.local/lib/wireshark/plugins && cp contrib/wireshark/mcast.lua ~/.local/lib/wireshark/plugins/
-- Datagrams on UDP port 7767 are decoded (preference mcast.port, for mcast --port); a heuristic
-- also claims "MCST" version 1 datagrams on any other UDP port.

local mcast = Proto("mcast", "mcast signed multicast")

-- Layout constants of docs/protocol.md section 3.
local DEFAULT_PORT = 7767
local MAGIC = "MCST"
local VERSION = 1
local FIXED = 65         -- bytes before the topic
local MIN_LEN = 133      -- 65 + 4 (payload length) + 64 (signature)
local MAX_LEN = 65388
local MAX_PAYLOAD = 65000
local SIG_LEN = 64
local MAX_DEPTH = 8
local CRITICAL_MASK = 0x00ff
local BATCH_FLAG = 0x0001   -- critical bit 0: batch-signed (section 3.4)
local MAX_BATCH = 32
local BATCH_FIELDS = 34     -- size, index, root

local type_names = {
    [0x01] = "data",
    [0x02] = "announce", [0x03] = "goodbye", [0x04] = "query", [0x05] = "answer",
    [0x06] = "ping probe", [0x07] = "ping reply",
    [0x08] = "speed data", [0x09] = "speed end", [0x0a] = "speed report",
    [0x0b] = "pair request", [0x0c] = "pair response", [0x0d] = "pair reveal", [0x0e] = "pair confirm",
    [0x0f] = "weather report",
    [0x10] = "search query", [0x11] = "search answer",
}
local type_titles = {
    [0x01] = "Data",
    [0x02] = "Announce", [0x03] = "Goodbye", [0x04] = "Query", [0x05] = "Answer",
    [0x06] = "Ping probe", [0x07] = "Ping reply",
    [0x08] = "Speed data", [0x09] = "Speed end", [0x0a] = "Speed report",
    [0x0b] = "Pair request", [0x0c] = "Pair response", [0x0d] = "Pair reveal", [0x0e] = "Pair confirm",
    [0x0f] = "Weather report",
    [0x10] = "Search query", [0x11] = "Search answer",
}

local T_NULL, T_FALSE, T_TRUE, T_INT, T_FLOAT, T_STRING, T_BYTES, T_LIST = 0, 1, 2, 3, 4, 5, 6, 7
local tag_names = {
    [T_NULL] = "null", [T_FALSE] = "false", [T_TRUE] = "true", [T_INT] = "int64",
    [T_FLOAT] = "float64", [T_STRING] = "string", [T_BYTES] = "bytes", [T_LIST] = "list",
}
-- What a schema calls a value's kind: false and true are both "bool".
local function kind_of(tag)
    if tag == T_FALSE or tag == T_TRUE then return "bool" end
    return tag_names[tag]
end

local f = mcast.fields
f.magic = ProtoField.string("mcast.magic", "Magic")
f.version = ProtoField.uint8("mcast.version", "Version")
f.type = ProtoField.uint8("mcast.type", "Type", base.HEX, type_names)
f.flags = ProtoField.uint16("mcast.flags", "Flags", base.HEX)
f.flags_critical = ProtoField.uint16("mcast.flags.critical", "Critical bits 0-7", base.HEX, nil, 0x00ff)
f.flags_ignorable = ProtoField.uint16("mcast.flags.ignorable", "Ignorable bits 8-15", base.HEX, nil, 0xff00)
f.flags_batch = ProtoField.bool("mcast.flags.batch", "Batch-signed", 16, nil, BATCH_FLAG)
f.batch = ProtoField.none("mcast.batch", "Batch")
f.batch_size = ProtoField.uint8("mcast.batch.size", "Batch size")
f.batch_index = ProtoField.uint8("mcast.batch.index", "Index in the batch")
f.batch_root = ProtoField.bytes("mcast.batch.root", "Merkle root")
f.batch_path = ProtoField.bytes("mcast.batch.path", "Path hash")
f.batch_path_status = ProtoField.string("mcast.batch.path_status", "Path status")
f.sender_key = ProtoField.bytes("mcast.sender_key", "Sender key (Ed25519 public key)")
f.sender_id = ProtoField.string("mcast.sender_id", "Sender id (SHA-256 of the key)")
f.sender_short = ProtoField.string("mcast.sender_short", "Sender short id")
f.incarnation = ProtoField.uint64("mcast.incarnation", "Incarnation", base.HEX)
f.seq = ProtoField.uint64("mcast.seq", "Sequence number", base.DEC)
f.sent_at = ProtoField.absolute_time("mcast.sent_at", "Sent at", base.UTC)
f.timestamp = ProtoField.int64("mcast.timestamp", "Timestamp (ns since 1970-01-01 UTC)", base.DEC)
f.topic_length = ProtoField.uint8("mcast.topic_length", "Topic length")
f.topic = ProtoField.string("mcast.topic", "Topic", base.UNICODE)
f.payload_length = ProtoField.uint32("mcast.payload_length", "Payload length")
f.payload = ProtoField.bytes("mcast.payload", "Payload")
f.count = ProtoField.uint32("mcast.count", "Tuple count")
f.value = ProtoField.none("mcast.value", "Value")
f.value_type = ProtoField.uint8("mcast.value.type", "Tag", base.HEX, tag_names)
f.value_null = ProtoField.none("mcast.value.null", "Null")
f.value_bool = ProtoField.bool("mcast.value.bool", "Boolean")
f.value_int = ProtoField.int64("mcast.value.int", "Int64", base.DEC)
f.value_float = ProtoField.double("mcast.value.float", "Float64")
f.value_length = ProtoField.uint32("mcast.value.length", "Length")
f.value_string = ProtoField.string("mcast.value.string", "String", base.UNICODE)
f.value_bytes = ProtoField.bytes("mcast.value.bytes", "Bytes")
f.value_count = ProtoField.uint32("mcast.value.count", "List count")
f.signature = ProtoField.bytes("mcast.signature", "Signature (Ed25519)")
f.signature_status = ProtoField.string("mcast.signature.status", "Signature status")
f.extra = ProtoField.bytes("mcast.extra", "Bytes the lengths do not account for")
f.undecoded = ProtoField.bytes("mcast.undecoded", "Not decoded")
f.reject_reason = ProtoField.string("mcast.reject_reason", "A receiver rejects it as")
f.copy_of = ProtoField.framenum("mcast.copy_of", "Copy of the datagram in frame")

-- Expert infos named after the drop reasons of docs/protocol.md section 6, so a filter like
-- mcast.bad_length finds what a receiver would count under that name.
local MALFORMED, ERROR = expert.group.MALFORMED, expert.severity.ERROR
local ex = {
    too_short = ProtoExpert.new("mcast.too_short", "Shorter than 133 bytes (too_short)", MALFORMED, ERROR),
    too_long = ProtoExpert.new("mcast.too_long", "Longer than 65388 bytes (too_long)", MALFORMED, ERROR),
    bad_magic = ProtoExpert.new("mcast.bad_magic", "Magic is not MCST (bad_magic)", MALFORMED, ERROR),
    bad_version = ProtoExpert.new("mcast.bad_version", "Version is not 1 (bad_version)", MALFORMED, ERROR),
    bad_type = ProtoExpert.new("mcast.bad_type", "Type 0 is invalid (bad_type)", MALFORMED, ERROR),
    bad_flags = ProtoExpert.new("mcast.bad_flags", "Unknown critical flag set (bad_flags)", MALFORMED, ERROR),
    bad_length = ProtoExpert.new("mcast.bad_length", "Lengths do not add up (bad_length)", MALFORMED, ERROR),
    bad_header = ProtoExpert.new("mcast.bad_header", "Incarnation or sequence is 0 (bad_header)", MALFORMED, ERROR),
    noncanonical_key = ProtoExpert.new("mcast.noncanonical_key", "Sender key encoded with y >= p (noncanonical_key)", MALFORMED, ERROR),
    small_order_key = ProtoExpert.new("mcast.small_order_key", "Sender key of small order: anyone can sign for it (small_order_key)", MALFORMED, ERROR),
    noncanonical_r = ProtoExpert.new("mcast.noncanonical_r", "Signature R encoded with y >= p (noncanonical_r)", MALFORMED, ERROR),
    small_order_r = ProtoExpert.new("mcast.small_order_r", "Signature R of small order (small_order_r)", MALFORMED, ERROR),
    noncanonical_s = ProtoExpert.new("mcast.noncanonical_s", "Signature S >= L (noncanonical_s)", MALFORMED, ERROR),
    bad_utf8 = ProtoExpert.new("mcast.bad_utf8", "Not valid UTF-8 (bad_utf8)", MALFORMED, ERROR),
    truncated = ProtoExpert.new("mcast.truncated", "Runs past the end of the payload (truncated)", MALFORMED, ERROR),
    too_deep = ProtoExpert.new("mcast.too_deep", "Lists nested deeper than 8 (too_deep)", MALFORMED, ERROR),
    unknown_type = ProtoExpert.new("mcast.unknown_type", "Unknown value tag (unknown_type)", MALFORMED, ERROR),
    trailing = ProtoExpert.new("mcast.trailing", "Bytes after the last value (trailing)", MALFORMED, ERROR),
    bad_batch = ProtoExpert.new("mcast.bad_batch", "Batch size not 1-32, or a path not of its length (bad_batch)", MALFORMED, ERROR),
    bad_index = ProtoExpert.new("mcast.bad_index", "Index not below the batch size (bad_index)", MALFORMED, ERROR),
    bad_path = ProtoExpert.new("mcast.bad_path", "Leaf and path do not lead to the root (bad_path)", MALFORMED, ERROR),
    ignorable_flags = ProtoExpert.new("mcast.ignorable_flags", "Unknown ignorable flag set (receivers ignore it)",
        expert.group.PROTOCOL, expert.severity.NOTE),
    unknown_msg_type = ProtoExpert.new("mcast.unknown_msg_type", "Message type not defined by version 1",
        expert.group.PROTOCOL, expert.severity.NOTE),
    bad_shape = ProtoExpert.new("mcast.bad_shape", "Tuple does not have this message type's shape (ignored by receivers)",
        expert.group.PROTOCOL, expert.severity.WARN),
    cut = ProtoExpert.new("mcast.capture_cut", "Capture holds only part of the datagram",
        expert.group.UNDECODED, expert.severity.WARN),
}
mcast.experts = { ex.too_short, ex.too_long, ex.bad_magic, ex.bad_version, ex.bad_type, ex.bad_flags,
    ex.bad_length, ex.bad_header, ex.noncanonical_key, ex.small_order_key, ex.noncanonical_r,
    ex.small_order_r, ex.noncanonical_s, ex.bad_utf8, ex.truncated, ex.too_deep, ex.unknown_type, ex.trailing,
    ex.bad_batch, ex.bad_index, ex.bad_path,
    ex.ignorable_flags, ex.unknown_msg_type, ex.bad_shape, ex.cut }

-- The order in which a receiver checks (section 6): the first failure is what it counts.
-- The batch checks of step 3 come between the lengths and the header; the path after the payload.
local check_order = { too_short = 1, too_long = 2, bad_magic = 3, bad_version = 4, bad_type = 5,
    bad_flags = 6, bad_length = 7, bad_batch = 7.3, bad_index = 7.6, bad_header = 8,
    noncanonical_key = 9, small_order_key = 10, noncanonical_r = 11, small_order_r = 12,
    noncanonical_s = 13, bad_path = 100 }

mcast.prefs.port = Pref.uint("UDP port", DEFAULT_PORT, "UDP port mcast runs on (mcast --port); default 7767")

------------------------------------------------------------------------------------------------
-- SHA-256, for the sender id (docs/protocol.md section 7): Wireshark's Lua has no hash functions.
-- Lua 5.2 has bit32; later Lua versions have integer operators instead.
local bit = bit32
if not bit then
    bit = load([[
        local M = {}
        function M.band(a, ...) a = a & 0xffffffff; for _, x in ipairs({...}) do a = a & x end; return a end
        function M.bor(a, ...) a = a & 0xffffffff; for _, x in ipairs({...}) do a = a | (x & 0xffffffff) end; return a end
        function M.bxor(a, ...) a = a & 0xffffffff; for _, x in ipairs({...}) do a = a ~ (x & 0xffffffff) end; return a end
        function M.bnot(a) return ~a & 0xffffffff end
        function M.rshift(a, n) return (a & 0xffffffff) >> n end
        function M.lshift(a, n) return (a << n) & 0xffffffff end
        function M.rrotate(a, n) a = a & 0xffffffff; return ((a >> n) | (a << (32 - n))) & 0xffffffff end
        return M
    ]])()
end
local band, bor, bxor, bnot, rshift, lshift, rrotate =
    bit.band, bit.bor, bit.bxor, bit.bnot, bit.rshift, bit.lshift, bit.rrotate

local K256 = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

local function sha256_hex(msg)
    local len = #msg
    local bits = len * 8
    msg = msg .. "\128" .. string.rep("\0", (55 - len) % 64)
        .. string.char(0, 0, 0, 0,
            math.floor(bits / 16777216) % 256, math.floor(bits / 65536) % 256,
            math.floor(bits / 256) % 256, bits % 256)
    local h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
    local w = {}
    for chunk = 1, #msg, 64 do
        for i = 0, 15 do
            local b1, b2, b3, b4 = msg:byte(chunk + 4 * i, chunk + 4 * i + 3)
            w[i] = bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
        end
        for i = 16, 63 do
            local x, y = w[i - 15], w[i - 2]
            local s0 = bxor(rrotate(x, 7), rrotate(x, 18), rshift(x, 3))
            local s1 = bxor(rrotate(y, 17), rrotate(y, 19), rshift(y, 10))
            w[i] = band(w[i - 16] + s0 + w[i - 7] + s1, 0xffffffff)
        end
        local a, b, c, d, e, ff, g, hh = h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
        for i = 0, 63 do
            local s1 = bxor(rrotate(e, 6), rrotate(e, 11), rrotate(e, 25))
            local ch = bxor(band(e, ff), band(bnot(e), g))
            local t1 = hh + s1 + ch + K256[i + 1] + w[i]
            local s0 = bxor(rrotate(a, 2), rrotate(a, 13), rrotate(a, 22))
            local maj = bxor(band(a, b), band(a, c), band(b, c))
            hh, g, ff, e, d, c, b, a = g, ff, e, band(d + t1, 0xffffffff), c, b, a, band(t1 + s0 + maj, 0xffffffff)
        end
        h[1], h[2], h[3], h[4] = band(h[1] + a, 0xffffffff), band(h[2] + b, 0xffffffff),
            band(h[3] + c, 0xffffffff), band(h[4] + d, 0xffffffff)
        h[5], h[6], h[7], h[8] = band(h[5] + e, 0xffffffff), band(h[6] + ff, 0xffffffff),
            band(h[7] + g, 0xffffffff), band(h[8] + hh, 0xffffffff)
    end
    return string.format(string.rep("%08x", 8), h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8])
end

local id_cache = {}
local function sender_id(raw_key)
    local id = id_cache[raw_key]
    if not id then
        id = sha256_hex(raw_key)
        id_cache[raw_key] = id
    end
    return id
end

------------------------------------------------------------------------------------------------
-- Strict Ed25519 encodings (docs/protocol.md section 3.3): points are y little-endian with the
-- sign of x in the top bit (ignored here); S is a little-endian scalar below L.
local function from_hex(h) return (h:gsub("..", function(b) return string.char(tonumber(b, 16)) end)) end
local SMALL_ORDER_Y = {
    from_hex("0000000000000000000000000000000000000000000000000000000000000000"),
    from_hex("0100000000000000000000000000000000000000000000000000000000000000"),
    from_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    from_hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    from_hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
}
local GROUP_ORDER = from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

local function y_noncanonical(raw)
    if band(raw:byte(32), 0x7f) ~= 0x7f then return false end
    for i = 2, 31 do
        if raw:byte(i) ~= 0xff then return false end
    end
    return raw:byte(1) >= 0xed
end

local function y_small_order(raw)
    local cleared = raw:sub(1, 31) .. string.char(band(raw:byte(32), 0x7f))
    for _, y in ipairs(SMALL_ORDER_Y) do
        if cleared == y then return true end
    end
    return false
end

local function s_noncanonical(raw)
    for i = 32, 1, -1 do
        local a, b = raw:byte(i), GROUP_ORDER:byte(i)
        if a ~= b then return a > b end
    end
    return true -- S == L
end

------------------------------------------------------------------------------------------------
-- Strict UTF-8 (docs/protocol.md section 5.2): no overlong forms, no surrogates, nothing above
-- U+10FFFF, no truncated sequence.
local function utf8_valid(s)
    if not s:find("[\128-\255]") then return true end
    local byte, i, n = string.byte, 1, #s
    while i <= n do
        local c = byte(s, i)
        if c < 0x80 then
            i = i + 1
        elseif c >= 0xc2 and c <= 0xdf then
            local c2 = byte(s, i + 1)
            if not c2 or c2 < 0x80 or c2 > 0xbf then return false end
            i = i + 2
        elseif c >= 0xe0 and c <= 0xef then
            local c2, c3 = byte(s, i + 1, i + 2)
            if not c3 then return false end
            local lo, hi = 0x80, 0xbf
            if c == 0xe0 then lo = 0xa0 elseif c == 0xed then hi = 0x9f end
            if c2 < lo or c2 > hi or c3 < 0x80 or c3 > 0xbf then return false end
            i = i + 3
        elseif c >= 0xf0 and c <= 0xf4 then
            local c2, c3, c4 = byte(s, i + 1, i + 3)
            if not c4 then return false end
            local lo, hi = 0x80, 0xbf
            if c == 0xf0 then lo = 0x90 elseif c == 0xf4 then hi = 0x8f end
            if c2 < lo or c2 > hi or c3 < 0x80 or c3 > 0xbf or c4 < 0x80 or c4 > 0xbf then return false end
            i = i + 4
        else
            return false
        end
    end
    return true
end

-- A string as a field value: as it is, unless it holds U+0000 (which would end it early in
-- Wireshark) or is not UTF-8; then with those bytes written as \xNN.
local function field_text(s, valid)
    if valid then
        return (s:gsub("\0", "\\x00"))
    end
    return (s:gsub("[\0\128-\255]", function(ch) return string.format("\\x%02x", ch:byte()) end))
end

-- A string for a tree label or the Info column: quoted, control characters (U+0000 included)
-- escaped, and bytes that are not UTF-8 too; cut after max bytes.
local function quote(s, max)
    local valid = utf8_valid(s)
    local cut = false
    if max and #s > max then
        s, cut = s:sub(1, max), true
        if valid then -- do not cut a character in two
            while #s > 0 and not utf8_valid(s) do s = s:sub(1, -2) end
        end
    end
    local esc = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\" }
    s = s:gsub(valid and '[%c"\\]' or '[%c"\\\128-\255]', function(ch)
        return esc[ch] or string.format("\\x%02x", ch:byte())
    end)
    return '"' .. s .. (cut and '…"' or '"')
end

------------------------------------------------------------------------------------------------
-- Shapes of the well-known payloads (docs/protocol.md sections 9-11): element names for the tree
-- and Info, and the kinds a receiver insists on. A spec is {name, kind, len = exact byte length,
-- fields = record schema for a list, elem = spec of every element of a list, min/max/oneof,
-- maxlen = most bytes of a string, maxn = most entries of a list, nullable = null allowed too}.
local address = { name = "address", kind = "list", fields = {
    { "family", "int64", oneof = { 4, 6 } }, { "address", "string" }, { "interface", "string" } } }
local meta_entry = { name = "entry", kind = "list", fields = { { "key", "string" }, { "value", "string" } } }
local id_prefix = { name = "id prefix", kind = "bytes", len = 8 }
local announce_body = {
    { "name", "string" }, { "lifetime_ms", "int64", min = 0, max = 86400000 },
    { "addresses", "list", elem = address }, { "meta", "list", elem = meta_entry } }
local function with_nonce(t)
    local r = { { "nonce", "bytes", len = 16 } }
    for _, s in ipairs(t) do r[#r + 1] = s end
    return r
end
local nonneg = function(name) return { name, "int64", min = 0 } end
local schemas = {
    [0x02] = announce_body,
    [0x03] = {},
    [0x04] = { { "nonce", "bytes", len = 16 }, { "known", "list", elem = id_prefix } },
    [0x05] = with_nonce(announce_body),
    [0x06] = { { "run", "bytes", len = 16 }, { "seq", "int64" }, { "family", "int64", oneof = { 4, 6 } },
        { "unicast", "bool" }, { "targets", "list", elem = id_prefix }, { "pad", "bytes" } },
    [0x07] = { { "run", "bytes", len = 16 }, { "seq", "int64" }, { "family", "int64", oneof = { 4, 6 } },
        { "unicast", "bool" }, nonneg("hold_ns"), { "name", "string" } },
    [0x08] = { { "test", "bytes", len = 16 }, { "seq", "int64", min = 1 }, { "pad", "bytes" } },
    -- min_n: the fields after the first min_n are optional (section 10).
    [0x09] = { { "test", "bytes", len = 16 }, nonneg("sent"), nonneg("options"), min_n = 2 },
    [0x0a] = { { "test", "bytes", len = 16 }, nonneg("received"), nonneg("highest"), nonneg("reordered"),
        nonneg("bytes"), nonneg("jitter_ns"), nonneg("first_rx_ns"), nonneg("last_rx_ns"), { "name", "string" },
        nonneg("kernel_drops"), nonneg("backlog_drops"), min_n = 9 },
    [0x0b] = { { "session", "bytes", len = 16 }, { "commitment", "bytes", len = 32 }, { "name", "string" },
        { "target", "bytes", len = 8 } },
    [0x0c] = { { "session", "bytes", len = 16 }, { "nonce", "bytes", len = 16 }, { "name", "string" } },
    [0x0d] = { { "session", "bytes", len = 16 }, { "nonce", "bytes", len = 16 } },
    [0x0e] = { { "session", "bytes", len = 16 } },
}
-- Section 12: the weather report.
local MAX_RATE = 1e12
local function text(name) return { name, "string", maxlen = 255 } end
local function rate(name, nullable) return { name, "int64", min = 0, max = MAX_RATE, nullable = nullable } end
local function rtt(name) return { name, "int64", min = 0, max = 60000000, nullable = true } end
local weather_classes = { [1] = "interactive", [2] = "live-stream", [3] = "on-demand-stream",
    [4] = "bulk-download", [5] = "bulk-upload", [6] = "backup" }
local activity = { name = "activity", kind = "list", fields = {
    { "class", "int64", min = 1, max = 6 }, { "priority", "int64", min = 0, max = 7 }, rate("rate_bps"),
    text("label") } }
local link = { name = "link", kind = "list", fields = {
    text("interface"), { "ipv4", "bool" }, { "ipv6", "bool" }, rate("up_bps"), rate("down_bps") } }
schemas[0x0f] = {
    text("name"), { "interval_ms", "int64", min = 1000, max = 600000 },
    { "activities", "list", elem = activity, maxn = 16 }, { "links", "list", elem = link, maxn = 4 },
    { name = "gateway", kind = "list", nullable = true, fields = {
        rate("wan_up_bps", true), rate("wan_down_bps", true), rate("max_up_bps", true),
        rate("max_down_bps", true), text("igd_note"), rtt("rtt_now_us"), rtt("rtt_floor_us"),
        text("latency_note") } },
}
-- Section 13: search.
local search_term = { name = "term", kind = "string", maxlen = 64 }
local search_hit = { name = "hit", kind = "list", fields = {
    { "share", "string", maxlen = 1024 }, { "path", "string", maxlen = 1024 }, nonneg("size"),
    { "mtime_s", "int64" }, { "type", "string", maxlen = 16 }, { "root", "bytes", len = 32 },
    { "block_size", "int64", min = 131072, max = 16777216 } } }
-- Section 13.4: a streaming query has a seventh value (true); its answers a seventh, the serves.
local serve_client = { name = "client", kind = "list", fields = {
    { "node", "bytes", len = 32, nullable = true }, { "address", "string", maxlen = 64 },
    nonneg("age_ms"), rate("rate_bps"), nonneg("bytes") } }
local search_serve = { name = "serve", kind = "list", fields = {
    { "share", "string", maxlen = 1024 }, { "path", "string", maxlen = 1024 }, nonneg("size"),
    { "type", "string", maxlen = 16 }, { "root", "bytes", len = 32 },
    { "clients", "list", elem = serve_client, maxn = 16 } } }
schemas[0x10] = {
    { "nonce", "bytes", len = 16 }, { "terms", "list", elem = search_term, maxn = 16 },
    { "type", "string", maxlen = 16 }, nonneg("min_size"),
    { "max_size", "int64", min = 0, nullable = true }, { "limit", "int64", min = 1, max = 100 },
    { "streaming", "bool" }, min_n = 6,
}
schemas[0x11] = {
    { "nonce", "bytes", len = 16 }, { "part", "int64", min = 1, max = 4 },
    { "parts", "int64", min = 1, max = 4 }, { "truncated", "bool" }, text("name"),
    { "hits", "list", elem = search_hit, maxn = 100 },
    { "serves", "list", elem = search_serve, maxn = 100 }, min_n = 6,
}
local function spec_name(s) return s and (s.name or s[1]) end
local function spec_kind(s) return s and (s.kind or s[2]) end

-- Why a decoded value does not fit its spec, or nil.
local function shape_error(spec, node)
    local want = spec_kind(spec)
    if spec.nullable and node.kind == "null" then return nil end
    if node.kind ~= want then
        return string.format("%s is %s, expected %s", spec_name(spec), node.kind, want)
    end
    if spec.len and node.len ~= spec.len then
        return string.format("%s is %d bytes, expected %d", spec_name(spec), node.len, spec.len)
    end
    if node.num then
        if (spec.min and node.num < spec.min) or (spec.max and node.num > spec.max) then
            return string.format("%s = %s is out of range", spec_name(spec), node.text)
        end
        if spec.oneof then
            local ok = false
            for _, v in ipairs(spec.oneof) do ok = ok or node.num == v end
            if not ok then return string.format("%s = %s is not allowed", spec_name(spec), node.text) end
        end
    end
    if spec.fields and #node.items ~= #spec.fields then
        return string.format("%s has %d elements, expected %d", spec_name(spec), #node.items, #spec.fields)
    end
    if spec.maxn and #node.items > spec.maxn then
        return string.format("%s has %d entries, at most %d allowed", spec_name(spec), #node.items, spec.maxn)
    end
    if spec.maxlen and node.len > spec.maxlen then
        return string.format("%s is %d bytes, at most %d allowed", spec_name(spec), node.len, spec.maxlen)
    end
    return nil
end

------------------------------------------------------------------------------------------------
-- Decoding state of one datagram.
local Ctx = {}
Ctx.__index = Ctx

function Ctx:fail(reason, item, text)
    item:add_proto_expert_info(ex[reason], text)
    self.reasons[#self.reasons + 1] = reason
end

function Ctx:shape(text)
    if not self.shape_text then self.shape_text = text end
end

local SUMMARY_MAX = 60

-- Decodes one value at off (tag included) into tree; the payload ends at stop. Returns the offset
-- after it and a node {kind, text = short summary, num, len, items}, or nil after an error that
-- makes the rest of the payload undecodable. depth is the depth of the list holding the value.
function Ctx:value(off, stop, tree, depth, index, spec)
    local tvb = self.tvb
    local label = string.format("[%d] ", index) .. (spec and (spec_name(spec) .. ": ") or "")
    if off >= stop then
        self:fail("truncated", tree, string.format("Value [%d]: the payload ends before it", index))
        return nil
    end
    local tag = tvb(off, 1):uint()
    local kind = kind_of(tag)
    if not kind then
        local item = tree:add(f.value, tvb(off, 1)):set_text(label .. string.format("unknown tag 0x%02x", tag))
        item:add(f.value_type, tvb(off, 1))
        self:fail("unknown_type", item, string.format("Value tag 0x%02x is not in the table of section 5", tag))
        return nil
    end
    local node = { kind = kind }
    local item = tree:add(f.value, tvb(off, 1))
    item:add(f.value_type, tvb(off, 1))
    local p = off + 1
    local function need(n, what)
        if p + n > stop then
            item:set_text(label .. kind .. " (truncated)")
            self:fail("truncated", item, string.format("%s needs %d bytes, %d left", what, n, stop - p))
            return false
        end
        return true
    end

    if tag == T_NULL then
        item:add(f.value_null, tvb(off, 1))
        node.text = "null"
    elseif tag == T_FALSE or tag == T_TRUE then
        item:add(f.value_bool, tvb(off, 1), tag == T_TRUE)
        node.text = tag == T_TRUE and "true" or "false"
    elseif tag == T_INT then
        if not need(8, "int64") then return nil end
        local r = tvb(p, 8)
        item:add(f.value_int, r)
        local v = r:int64()
        node.text, node.num = tostring(v), v:tonumber()
        p = p + 8
    elseif tag == T_FLOAT then
        if not need(8, "float64") then return nil end
        local r = tvb(p, 8)
        item:add(f.value_float, r)
        node.text = tostring(r:float())
        p = p + 8
    elseif tag == T_STRING or tag == T_BYTES then
        if not need(4, kind .. " length") then return nil end
        local n = tvb(p, 4):uint()
        local len_item = item:add(f.value_length, tvb(p, 4))
        p = p + 4
        if n > stop - p then
            item:set_text(label .. kind .. " (truncated)")
            self:fail("truncated", len_item, string.format("%s of %d bytes, %d left", kind, n, stop - p))
            return nil
        end
        local r = tvb(p, n)
        node.len = n
        if tag == T_STRING then
            local s = n > 0 and r:raw() or ""
            local valid = utf8_valid(s)
            local sitem = item:add(f.value_string, r, field_text(s, valid))
            node.text = quote(s, 40)
            if not valid then
                self:fail("bad_utf8", sitem, "String is not valid UTF-8")
            end
        else
            if n == 0 then
                item:add(f.value_bytes, r, ""):set_text("Bytes: <empty>")
                node.text = "<empty>"
            else
                item:add(f.value_bytes, r)
                local shown = math.min(n, 8)
                node.hex = tvb(p, shown):bytes():tohex(true) .. (n > shown and "…" or "")
                node.text = node.hex .. string.format(" (%d bytes)", n)
            end
        end
        p = p + n
    else -- list
        if depth + 1 > MAX_DEPTH then
            item:set_text(label .. "list (too deep)")
            self:fail("too_deep", item, string.format("A list at depth %d; the limit is %d", depth + 1, MAX_DEPTH))
            return nil
        end
        if not need(4, "list count") then return nil end
        local n = tvb(p, 4):uint()
        local count_item = item:add(f.value_count, tvb(p, 4))
        p = p + 4
        if n > stop - p then
            item:set_text(label .. "list (truncated)")
            self:fail("truncated", count_item,
                string.format("Count %d is more than the %d bytes left", n, stop - p))
            return nil
        end
        node.items = {}
        local parts, plen = {}, 0
        for i = 0, n - 1 do
            local child_spec = spec and (spec.fields and spec.fields[i + 1] or spec.elem) or nil
            local q, child = self:value(p, stop, item, depth + 1, i, child_spec)
            if not q then
                item:set_text(label .. string.format("list of %d (undecodable)", n))
                item:set_len(stop - off)
                return nil
            end
            p = q
            node.items[#node.items + 1] = child
            if child_spec then
                local why = shape_error(child_spec, child)
                if why then self:shape(why) end
            end
            if plen <= SUMMARY_MAX then
                parts[#parts + 1] = child.text
                plen = plen + #child.text + 2
            end
        end
        local summary = table.concat(parts, ", ")
        if #parts < n or #summary > SUMMARY_MAX then summary = summary:sub(1, SUMMARY_MAX) .. "…" end
        node.text = "[" .. summary .. "]"
        node.list_summary = string.format("list of %d", n)
    end
    item:set_len(p - off)
    local shown = node.list_summary or (kind == "null" and "null") or (kind == "bool" and node.text)
        or (kind .. " " .. node.text)
    item:set_text(label .. shown)
    return p, node
end

-- Decodes the tuple at off; returns the top-level nodes (nil if a value could not be decoded).
function Ctx:tuple(off, stop, tree, schema)
    local tvb = self.tvb
    if off + 4 > stop then
        self:fail("truncated", tree, "No room for the tuple count")
        return nil
    end
    local n = tvb(off, 4):uint()
    local count_item = tree:add(f.count, tvb(off, 4))
    local p = off + 4
    if n > stop - p then
        self:fail("truncated", count_item, string.format("Count %d is more than the %d bytes left", n, stop - p))
        return nil
    end
    if schema and (n > #schema or n < (schema.min_n or #schema)) then
        self:shape(string.format("%d values, expected %s", n,
            schema.min_n and string.format("%d to %d", schema.min_n, #schema) or tostring(#schema)))
    end
    local nodes = {}
    for i = 0, n - 1 do
        local spec = schema and schema[i + 1] or nil
        local q, node = self:value(p, stop, tree, 0, i, spec)
        if not q then return nil end
        p = q
        nodes[#nodes + 1] = node
        if spec then
            local why = shape_error(spec, node)
            if why then self:shape(why) end
        end
    end
    if p < stop then
        local item = tree:add(f.extra, tvb(p, stop - p))
        self:fail("trailing", item, string.format("%d bytes after the last value", stop - p))
    end
    return nodes
end

------------------------------------------------------------------------------------------------
-- Info column text for the well-known payloads, from their decoded values.
local function field(nodes, i) return nodes[i] and nodes[i].text or "?" end
local function family_text(node)
    if node and node.num == 4 then return "IPv4" elseif node and node.num == 6 then return "IPv6" end
    return "family ?"
end
local function count_text(node, one, many)
    local n = node and node.items and #node.items or 0
    return string.format("%d %s", n, n == 1 and one or many)
end

local info_of = {
    [0x02] = function(v) return string.format("%s lifetime %s ms, %s", field(v, 1), field(v, 2),
        count_text(v[3], "address", "addresses")) end,
    [0x04] = function(v) return count_text(v[2], "known node", "known nodes") end,
    [0x05] = function(v) return string.format("%s lifetime %s ms, %s", field(v, 2), field(v, 3),
        count_text(v[4], "address", "addresses")) end,
    [0x06] = function(v) return string.format("#%s %s %s", field(v, 2), family_text(v[3]),
        (v[4] and v[4].text == "true") and "unicast" or "multicast") end,
    [0x07] = function(v) return string.format("#%s %s %s from %s hold %s ns", field(v, 2), family_text(v[3]),
        (v[4] and v[4].text == "true") and "unicast" or "multicast", field(v, 6), field(v, 5)) end,
    [0x08] = function(v) return string.format("#%s", field(v, 2)) end,
    [0x09] = function(v) return string.format("%s sent", field(v, 2)) end,
    [0x0a] = function(v) return string.format("from %s: %s received, highest %s, %s reordered%s", field(v, 9),
        field(v, 2), field(v, 3), field(v, 4), v[10] and (", " .. field(v, 10) .. " kernel drops") or "") end,
    [0x0b] = function(v) return string.format("from %s to %s", field(v, 3), v[4] and v[4].hex or "?") end,
    [0x0c] = function(v) return string.format("from %s", field(v, 3)) end,
    [0x10] = function(v)
        local terms = {}
        for _, t in ipairs(v[2] and v[2].items or {}) do terms[#terms + 1] = t.text or "?" end
        return string.format("%s%s, limit %s", #terms == 0 and "everything" or table.concat(terms, " "),
            (v[3] and v[3].len and v[3].len > 0) and (" type " .. v[3].text) or "", field(v, 6))
    end,
    [0x11] = function(v)
        return string.format("from %s: part %s of %s, %s%s", field(v, 5), field(v, 2), field(v, 3),
            count_text(v[6], "hit", "hits"), (v[4] and v[4].text == "true") and ", truncated" or "")
    end,
    [0x0f] = function(v)
        local classes = {}
        for _, a in ipairs(v[3] and v[3].items or {}) do
            local c = a.items and a.items[1]
            classes[#classes + 1] = c and weather_classes[c.num] or "?"
        end
        local acts = #classes == 0 and "no activities" or table.concat(classes, ", ")
        return string.format("%s every %s ms: %s; %s%s", field(v, 1), field(v, 2), acts,
            count_text(v[4], "link", "links"), (v[5] and v[5].kind == "list") and "; gateway" or "")
    end,
}

------------------------------------------------------------------------------------------------
local copies = {} -- key .. incarnation .. seq .. signature -> the first frame that held it

function mcast.init()
    copies = {}
end

local function dissect(tvb, pinfo, root)
    local cap = tvb:len()            -- bytes in the capture
    local wire = tvb:reported_len()  -- bytes on the wire
    pinfo.cols.protocol = "MCAST"
    local tree = root:add(mcast, tvb())
    local ctx = setmetatable({ tvb = tvb, reasons = {} }, Ctx)
    local info = {}

    local function finish()
        if #ctx.reasons > 0 then
            local first = ctx.reasons[1]
            for _, r in ipairs(ctx.reasons) do
                if (check_order[r] or 99) < (check_order[first] or 99) then first = r end
            end
            tree:add(f.reject_reason, first):set_generated()
            info[#info + 1] = "[Malformed: " .. first .. "]"
            tree:append_text(" [Malformed: " .. first .. "]")
        end
        pinfo.cols.info = table.concat(info, " ")
        return cap
    end

    if cap < wire then
        tree:add_proto_expert_info(ex.cut, string.format("Captured %d of %d bytes", cap, wire))
    end
    if wire < MIN_LEN then
        ctx:fail("too_short", tree, string.format("%d bytes; a datagram has at least %d", wire, MIN_LEN))
    elseif wire > MAX_LEN then
        ctx:fail("too_long", tree, string.format("%d bytes; a datagram has at most %d", wire, MAX_LEN))
    end

    -- Magic and version decide whether the rest can be read as version 1 at all.
    if cap < 5 then
        info[1] = "Not mcast (too short)"
        if cap > 0 then tree:add(f.undecoded, tvb()) end
        return finish()
    end
    local magic_item = tree:add(f.magic, tvb(0, 4))
    local version = tvb(4, 1):uint()
    local version_item = tree:add(f.version, tvb(4, 1))
    if tvb(0, 4):raw() ~= MAGIC then
        ctx:fail("bad_magic", magic_item, "Magic is " .. quote(tvb(0, 4):raw()) .. ", not \"MCST\"")
        info[1] = "Not mcast (bad magic)"
        tree:add(f.undecoded, tvb(4))
        return finish()
    end
    if version ~= VERSION then
        ctx:fail("bad_version", version_item, string.format("Version %d; this dissector knows version 1", version))
        info[1] = string.format("Unknown version %d", version)
        if cap > 5 then tree:add(f.undecoded, tvb(5)) end
        return finish()
    end

    local have = function(off, n) return off + n <= cap end
    local msg_type
    if have(5, 1) then
        msg_type = tvb(5, 1):uint()
        local item = tree:add(f.type, tvb(5, 1))
        if msg_type == 0 then
            ctx:fail("bad_type", item, "Type 0 is invalid")
        elseif not type_names[msg_type] then
            item:add_proto_expert_info(ex.unknown_msg_type, msg_type >= 0x80
                and string.format("Type 0x%02x is for private use", msg_type)
                or string.format("Type 0x%02x is reserved", msg_type))
        end
    end
    info[1] = msg_type and (type_titles[msg_type] or string.format("Type 0x%02x", msg_type)) or "Truncated"
    if have(6, 2) then
        local flags = tvb(6, 2):uint()
        local item = tree:add(f.flags, tvb(6, 2))
        item:add(f.flags_critical, tvb(6, 2))
        item:add(f.flags_ignorable, tvb(6, 2))
        item:add(f.flags_batch, tvb(6, 2))
        local unknown = band(flags, CRITICAL_MASK - BATCH_FLAG)
        if unknown ~= 0 then
            ctx:fail("bad_flags", item, string.format("Critical bits 0x%04x; version 1 defines only bit 0 (batch)", unknown))
        elseif band(flags, 0xff00) ~= 0 then
            item:add_proto_expert_info(ex.ignorable_flags, string.format("Ignorable bits 0x%04x", band(flags, 0xff00)))
        end
    end
    local batched = have(6, 2) and band(tvb(6, 2):uint(), BATCH_FLAG) ~= 0
    local short
    local raw_key
    if have(8, 32) then
        local r = tvb(8, 32)
        raw_key = r:raw()
        local id = sender_id(raw_key)
        short = id:sub(1, 12)
        local item = tree:add(f.sender_key, r)
        item:add(f.sender_id, r, id):set_generated()
        item:add(f.sender_short, r, short):set_generated()
        if y_noncanonical(raw_key) then
            ctx:fail("noncanonical_key", item, "Sender key's y is p or more")
        elseif y_small_order(raw_key) then
            ctx:fail("small_order_key", item, "Sender key is a point of small order")
        end
    end
    local seq_text
    local header_zero = {}
    if have(40, 8) then
        local item = tree:add(f.incarnation, tvb(40, 8))
        if tvb(40, 8):uint64() == UInt64(0) then header_zero[#header_zero + 1] = { item, "Incarnation is 0" } end
    end
    if have(48, 8) then
        local item = tree:add(f.seq, tvb(48, 8))
        seq_text = tostring(tvb(48, 8):uint64())
        if seq_text == "0" then header_zero[#header_zero + 1] = { item, "Sequence number is 0" } end
    end
    if have(56, 8) then
        local r = tvb(56, 8)
        local ts = r:int64()
        local secs, nsecs = (ts / 1000000000):tonumber(), (ts % 1000000000):tonumber()
        if nsecs < 0 then secs, nsecs = secs - 1, nsecs + 1000000000 end
        local item = tree:add(f.sent_at, r, NSTime(secs, nsecs))
        item:add(f.timestamp, r)
    end

    -- Topic, payload, signature: where the length fields put them, checked against the datagram.
    local topic
    local T = have(64, 1) and tvb(64, 1):uint() or nil
    local P, P_item
    if T then
        local item = tree:add(f.topic_length, tvb(64, 1))
        if have(FIXED + T + 4, 0) then
            local r = tvb(FIXED, T)
            topic = T > 0 and r:raw() or ""
            local valid = utf8_valid(topic)
            local titem = tree:add(f.topic, r, field_text(topic, valid))
            if not valid then
                ctx.topic_utf8_item = titem
            end
            P = tvb(FIXED + T, 4):uint()
            P_item = tree:add(f.payload_length, tvb(FIXED + T, 4))
        elseif FIXED + T + 4 <= wire then
            -- The capture was cut short (reported above); the datagram itself may be fine.
        else
            ctx:fail("bad_length", item, string.format("Topic of %d bytes and payload length run past the datagram", T))
        end
    end
    local batch -- { size, index, depth, at }: the batch fields of a well-formed batch-signed datagram
    if P then
        local expected = MIN_LEN + T + P
        local at = FIXED + T + 4 + P
        if P > MAX_PAYLOAD then
            ctx:fail("bad_length", P_item, string.format("Payload of %d bytes; at most %d", P, MAX_PAYLOAD))
        elseif batched then
            if expected + BATCH_FIELDS > wire then
                ctx:fail("bad_length", P_item, string.format("Lengths and batch fields need %d bytes, datagram has %d",
                    expected + BATCH_FIELDS, wire))
            elseif have(at, 2) then
                local n, i = tvb(at, 1):uint(), tvb(at + 1, 1):uint()
                local depth = 0
                while 2 ^ depth < n do depth = depth + 1 end
                if n == 0 or n > MAX_BATCH then
                    ctx:fail("bad_batch", tree, string.format("Batch size %d; 1-%d", n, MAX_BATCH))
                elseif i >= n then
                    ctx:fail("bad_index", tree, string.format("Index %d in a batch of %d", i, n))
                elseif expected + BATCH_FIELDS + 32 * depth ~= wire then
                    ctx:fail("bad_batch", tree, string.format("A batch of %d has a path of %d hashes: %d bytes, datagram has %d",
                        n, depth, expected + BATCH_FIELDS + 32 * depth, wire))
                else
                    batch = { size = n, index = i, depth = depth, at = at }
                end
            end
        elseif expected ~= wire then
            ctx:fail("bad_length", P_item, string.format("Lengths say %d bytes (133 + %d + %d), datagram has %d",
                expected, T, P, wire))
        end
    end
    for _, z in ipairs(header_zero) do ctx:fail("bad_header", z[1], z[2]) end
    if ctx.topic_utf8_item then ctx:fail("bad_utf8", ctx.topic_utf8_item, "Topic is not valid UTF-8") end

    if topic and topic ~= "" then info[#info + 1] = "topic=" .. quote(topic, 40) end
    if seq_text then info[#info + 1] = "seq=" .. seq_text end
    if short then info[#info + 1] = "sender=" .. short end

    local sig_at
    if P then
        local start = FIXED + T + 4
        local stop = math.min(start + P, cap)
        local ptree = tree:add(f.payload, tvb(start, stop - start))
        ptree:set_text(string.format("Payload (%d bytes)", P))
        local schema = msg_type and schemas[msg_type]
        local nodes = ctx:tuple(start, stop, ptree, schema)
        if nodes then
            ptree:append_text(string.format(": %d value%s", #nodes, #nodes == 1 and "" or "s"))
            if schema and ctx.shape_text then
                ptree:add_proto_expert_info(ex.bad_shape,
                    "Not a valid " .. type_names[msg_type] .. " tuple: " .. ctx.shape_text)
            end
            local extra = info_of[msg_type]
            if extra and not ctx.shape_text then
                info[#info + 1] = extra(nodes)
            elseif msg_type == 0x01 or not schema then
                local parts = {}
                for _, n in ipairs(nodes) do parts[#parts + 1] = n.text end
                local s = table.concat(parts, ", ")
                if #s > 120 then s = s:sub(1, 120) .. "…" end
                info[#info + 1] = "(" .. s .. ")"
            end
        end
        sig_at = start + P
        if batched and have(sig_at, 2) then
            local btree = tree:add(f.batch, tvb(sig_at, math.min(cap, wire - SIG_LEN) - sig_at))
            btree:set_text("Batch")
            btree:add(f.batch_size, tvb(sig_at, 1))
            btree:add(f.batch_index, tvb(sig_at + 1, 1))
            if batch then
                btree:append_text(string.format(": datagram %d of %d", batch.index, batch.size))
                info[#info + 1] = string.format("batch %d/%d", batch.index, batch.size)
                local root_at, path_at = sig_at + 2, sig_at + BATCH_FIELDS
                if have(root_at, 32) then btree:add(f.batch_root, tvb(root_at, 32)) end
                for k = 0, batch.depth - 1 do
                    if have(path_at + 32 * k, 32) then btree:add(f.batch_path, tvb(path_at + 32 * k, 32)) end
                end
                if have(path_at, 32 * batch.depth) then
                    -- The leaf covers everything before the root; fold the path up (section 3.4).
                    local h = from_hex(sha256_hex("\0" .. tvb(0, root_at):raw()))
                    local index = batch.index
                    for k = 0, batch.depth - 1 do
                        local sib = tvb(path_at + 32 * k, 32):raw()
                        if index % 2 == 1 then h = from_hex(sha256_hex("\1" .. sib .. h))
                        else h = from_hex(sha256_hex("\1" .. h .. sib)) end
                        index = math.floor(index / 2)
                    end
                    if h == tvb(root_at, 32):raw() then
                        btree:add(f.batch_path_status, tvb(path_at, 32 * batch.depth),
                            "leads to the root (the root's signature is not verified here)"):set_generated()
                    else
                        ctx:fail("bad_path", btree, "Leaf and path do not lead to the root")
                    end
                end
                sig_at = path_at + 32 * batch.depth
            else
                sig_at = nil
            end
        end
    end

    if sig_at and have(sig_at, SIG_LEN) then
        local r = tvb(sig_at, SIG_LEN)
        local item = tree:add(f.signature, r)
        local raw_r, raw_s = tvb(sig_at, 32):raw(), tvb(sig_at + 32, 32):raw()
        if y_noncanonical(raw_r) then
            ctx:fail("noncanonical_r", item, "R's y is p or more")
        elseif y_small_order(raw_r) then
            ctx:fail("small_order_r", item, "R is a point of small order")
        elseif s_noncanonical(raw_s) then
            ctx:fail("noncanonical_s", item, "S is the group order L or more")
        end
        item:append_text(" [not verified]")
        item:add(f.signature_status, r,
            "not verified by this dissector (Wireshark's Lua has no Ed25519); mcast listen verifies it"):set_generated()
        if sig_at + SIG_LEN < cap then
            tree:add(f.extra, tvb(sig_at + SIG_LEN))
        end
        -- Every sender sends each datagram once per family and interface: point copies at the
        -- first. A copy has the same header, topic, length and signature (the signature covers
        -- the payload, so only a forgery could differ in the payload alone).
        if raw_key and seq_text then
            local k = tvb(0, FIXED + T):raw() .. P .. r:raw()
            if not pinfo.visited and not copies[k] then copies[k] = pinfo.number end
            local first = copies[k]
            if first and first ~= pinfo.number then
                tree:add(f.copy_of, first):set_generated()
                info[#info + 1] = "(copy of " .. first .. ")"
            end
        end
    elseif sig_at and sig_at < cap then
        local item = tree:add(f.extra, tvb(sig_at))
        item:set_text(string.format("Incomplete signature (%d of %d bytes)", cap - sig_at, SIG_LEN))
    end
    return finish()
end

function mcast.dissector(tvb, pinfo, tree)
    return dissect(tvb, pinfo, tree)
end

-- Claims UDP datagrams on other ports that start like a version 1 datagram.
local function heuristic(tvb, pinfo, tree)
    if tvb:len() < 5 or tvb:reported_len() < MIN_LEN then return false end
    if tvb(0, 4):raw() ~= MAGIC or tvb(4, 1):uint() ~= VERSION then return false end
    dissect(tvb, pinfo, tree)
    return true
end

local registered_port
local function register_port()
    local udp = DissectorTable.get("udp.port")
    if registered_port == mcast.prefs.port then return end
    if registered_port then udp:remove(registered_port, mcast) end
    registered_port = mcast.prefs.port
    udp:add(registered_port, mcast)
end

function mcast.prefs_changed()
    register_port()
end

register_port()
mcast:register_heuristic("udp", heuristic)
