#!/usr/bin/python3
"""json_schema: docs/json.md as JSON Schema, and a validator of mcast's JSON Lines against it.

docs/json.md documents every record type that `mcast ... --json` writes with a table
`| field | type | required | meaning |`. This script reads those tables (and the tables of the
nested objects, string forms and tuple values they refer to) and builds one JSON Schema
(draft 2020-12) per record form, with `additionalProperties: false`: a field that the document
does not list is an error, so output and document cannot drift apart unnoticed.

    json_schema.py [FILE...]               validate JSON Lines (stdin when no FILE, or "-")
        --expect-types T1,T2,...           ... and fail unless each of these types was seen
        --expect-all                       ... and fail unless every documented form was seen
    json_schema.py --print-schema          the whole schema, one document (any record)
    json_schema.py --list-types            the documented record types, one a line
    json_schema.py --self-test             check the validator itself (no mcast needed)
    --doc PATH                             another docs/json.md (default: the repository's)

The tables it reads (any other table is prose and left alone):
- | field | type | required | meaning |: with a `type` row, a record (the row's literals name
  its types: `"node" or "join"` for a table several types share; two tables may give one type,
  as ping's and send's `summary`: a record must then match one of them); without, a nested
  object named by the first `code` of its heading (`### \`address\`: ...`);
- | form | type | meaning |: a union type named by its heading (`value`), one type per row;
- | form | pattern | example | meaning |: string forms (`hex64`), each example checked.

Exit status: 0 all valid; 1 a line failed, or an expected type or form was not seen; 2 the
document itself cannot be read as tables (its error names the line of docs/json.md).

Needs Python 3 and the jsonschema module (Debian: python3-jsonschema; scripts/deps installs it).
Run it with /usr/bin/python3, the interpreter that package serves.

Stricter than plain JSON Schema in four ways, all matching docs/json.md's conventions: an
`integer` is a JSON number written without fraction or exponent (1, not 1.0 or 1E0), so a float
written where the document promises an integer fails; a number in exponent notation (4.9444E-2)
fails, since mcast writes plain decimals; NaN, Infinity and numbers that overflow a double are
not JSON and fail; and an object with a key twice fails.
"""

import argparse
import json
import math
import os
import re
import sys

try:
    import jsonschema
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        "json_schema.py: the Python module jsonschema is missing; install the Debian package "
        "python3-jsonschema (scripts/deps does) and run this with /usr/bin/python3\n")
    sys.exit(2)

DEFAULT_DOC = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "json.md"))
SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
PRIMITIVES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "null": {"type": "null"},
    "object": {"type": "object"},
    "array": {"type": "array"},
}


class DocError(Exception):
    """docs/json.md does not read as the tables this script understands."""

    def __init__(self, path, line, message):
        super().__init__(f"{path}:{line}: {message}")


# ---------------------------------------------------------------------------------------------
# Reading the markdown


def split_row(text):
    """Cells of a markdown table row; a | inside `code` or written \\| does not split."""
    text = text.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells, cur, in_code, i = [], [], False, 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            cur.append("|")
            i += 2
            continue
        if c == "`":
            in_code = not in_code
        if c == "|" and not in_code:
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    cells.append("".join(cur).strip())
    return cells


def code_spans(text):
    return re.findall(r"`([^`]*)`", text)


def unquote(cell):
    """A cell's text without the backticks around it: "`string`" -> "string"."""
    cell = cell.strip()
    if len(cell) >= 2 and cell.startswith("`") and cell.endswith("`") and cell.count("`") == 2:
        return cell[1:-1].strip()
    return cell


class Table:
    def __init__(self, heading, heading_line, header, rows, line):
        self.heading = heading  # the text of the nearest heading above, without the #s
        self.heading_line = heading_line
        self.header = header  # lower-case column names
        self.rows = rows  # [(line number, [cells])]
        self.line = line  # line number of the header row


def read_tables(text):
    """Every table of the document with the heading it stands under."""
    tables = []
    heading, heading_line = "", 0
    lines = text.split("\n")
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            heading, heading_line = m.group(2), i + 1
            i += 1
            continue
        if (line.lstrip().startswith("|") and i + 1 < len(lines)
                and re.match(r"^\s*\|?\s*:?-{3,}", lines[i + 1])):
            header = [c.lower() for c in split_row(line)]
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                rows.append((j + 1, split_row(lines[j])))
                j += 1
            tables.append(Table(heading, heading_line, header, rows, i + 1))
            i = j
            continue
        i += 1
    return tables


# ---------------------------------------------------------------------------------------------
# The type vocabulary of the `type` column


def parse_literal(text):
    """(True, value) for a JSON literal written in a cell ("\\"leave\\"", 4, false), else
    (False, None). `null` is not a literal here but the type of that one value."""
    text = text.strip()
    if re.fullmatch(r'"[^"\\]*"', text) or re.fullmatch(r"-?\d+", text) or text in (
            "true", "false"):
        return True, json.loads(text)
    return False, None


class Model:
    """The document: record forms, named objects, unions and string forms."""

    def __init__(self, path, text):
        self.path = path
        self.objects = {}  # name -> (table, fields)
        self.unions = {}  # name -> (table, [(line, type text)])
        self.strings = {}  # name -> (line, pattern, example, meaning)
        self.forms = []  # record forms: dicts with types, table, fields, label
        self.used = set()
        tables = read_tables(text)
        if not tables:
            raise DocError(path, 1, "no table at all")
        for t in tables:
            self._classify(t)
        for form in self.forms:
            self._check_fields(form["fields"])
            form["keys"] = {}
            for ty in form["types"]:
                shared = self.forms_of(ty)
                n = shared.index(form) + 1
                form["keys"][ty] = f"record.{ty}" + (f".{n}" if len(shared) > 1 else "")
        for t, fields in self.objects.values():
            self._check_fields(fields)
        for t, alts in self.unions.values():
            for line, type_text in alts:
                self.type_schema(type_text, line)
        defined = {name: t.line for name, (t, _) in self.objects.items()}
        defined.update({name: t.line for name, (t, _) in self.unions.items()})
        defined.update({name: v[0] for name, v in self.strings.items()})
        for name in sorted(set(defined) - self.used):
            raise DocError(path, defined[name], f"`{name}` is defined but no field uses it")
        if not self.forms:
            raise DocError(path, 1, "no record table (a table with a `type` row)")

    # -- classification --

    def _heading_name(self, t):
        spans = code_spans(t.heading)
        if not spans or not re.fullmatch(r"[a-z][a-z0-9_]*", spans[0]):
            raise DocError(self.path, t.heading_line or t.line,
                           "a table of a named type needs a heading that starts with its "
                           "`name` in backticks")
        return spans[0]

    def _define(self, name, line):
        if name in PRIMITIVES or name in self.objects or name in self.unions or (
                name in self.strings):
            raise DocError(self.path, line, f"`{name}` is defined twice (or is a built-in type)")

    def _classify(self, t):
        h = t.header
        if h[:4] == ["field", "type", "required", "meaning"] and len(h) == 4:
            fields = self._fields(t)
            if "type" in fields:
                self._record(t, fields)
            else:
                name = self._heading_name(t)
                self._define(name, t.line)
                self.objects[name] = (t, fields)
        elif h[:2] == ["form", "type"]:
            name = self._heading_name(t)
            self._define(name, t.line)
            alts = []
            for line, cells in t.rows:
                if len(cells) < 2 or not cells[1].strip():
                    raise DocError(self.path, line, "a row needs a type in its second column")
                alts.append((line, cells[1]))
            self.unions[name] = (t, alts)
        elif h[:4] == ["form", "pattern", "example", "meaning"]:
            for line, cells in t.rows:
                spans = [code_spans(c) for c in cells]
                if len(cells) != 4 or [len(x) for x in spans[:3]] != [1, 1, 1]:
                    raise DocError(self.path, line, "a string form row is | `name` | `regex` | "
                                   "`example` | meaning |")
                name, pattern, example = spans[0][0], spans[1][0], spans[2][0]
                try:
                    ok = re.search(pattern, example)
                except re.error as e:
                    raise DocError(self.path, line, f"bad pattern: {e}")
                if not ok:
                    raise DocError(self.path, line, f"the example of `{name}` does not match "
                                   "its pattern")
                self._define(name, line)
                self.strings[name] = (line, pattern, example, cells[3])
        elif "field" in h or "type" in h:
            raise DocError(self.path, t.line,
                           "a field table has exactly the columns | field | type | required | "
                           "meaning |")
        # Any other table is prose for people; it is left alone.

    def _fields(self, t):
        fields = {}
        for line, cells in t.rows:
            if len(cells) != 4:
                raise DocError(self.path, line, f"expected 4 cells, found {len(cells)}")
            names = code_spans(cells[0])
            if len(names) != 1 or unquote(cells[0]) != names[0]:
                raise DocError(self.path, line, "the field cell is one `name` in backticks")
            name = names[0]
            if name in fields:
                raise DocError(self.path, line, f"field `{name}` twice in one table")
            fields[name] = {"line": line, "type": cells[1], "required": cells[2],
                            "meaning": cells[3]}
        if not fields:
            raise DocError(self.path, t.line, "a table without rows")
        return fields

    def _record(self, t, fields):
        f = fields["type"]
        alts = [parse_literal(a) for a in re.split(r"\s+or\s+", unquote_all(f["type"]))]
        if all(ok and isinstance(v, str) for ok, v in alts):
            alts = [v for _, v in alts]
        else:
            alts = []
        if not alts:
            raise DocError(self.path, f["line"],
                           'the `type` row of a record gives its type names: `"name"`, or '
                           '`"a" or "b"` when one table serves several')
        if f["required"].strip().lower() != "yes":
            raise DocError(self.path, f["line"], "`type` is always required")
        label = re.sub(r"\s+", " ", t.heading.replace("`", "")).strip()
        self.forms.append({"types": alts, "table": t, "fields": fields, "label": label,
                           "index": len(self.forms)})

    # -- types --

    def type_schema(self, text, line):
        """JSON Schema for a `type` cell."""
        text = unquote_all(text)
        alts = [a.strip() for a in re.split(r"\s+or\s+", text) if a.strip()]
        if not alts:
            raise DocError(self.path, line, "empty type")
        schemas, literals = [], []
        for a in alts:
            ok, lit = parse_literal(a)
            if ok:
                literals.append(lit)
                continue
            schemas.append(self._one_type(a, line))
        if literals:
            schemas.append({"const": literals[0]} if len(literals) == 1 else {"enum": literals})
        out = schemas[0] if len(schemas) == 1 else {"anyOf": schemas}
        out = dict(out)
        out["title"] = text
        return out

    def _one_type(self, a, line):
        m = re.fullmatch(r"(array|object) of (\S+)", a)
        if m:
            inner = self._one_type(m.group(2), line)
            if m.group(1) == "array":
                return {"type": "array", "items": inner}
            return {"type": "object", "additionalProperties": inner}
        if a in PRIMITIVES:
            return dict(PRIMITIVES[a])
        if a in self.objects or a in self.unions or a in self.strings:
            self.used.add(a)
            return {"$ref": f"#/$defs/{a}"}
        raise DocError(self.path, line,
                       f"unknown type '{a}' (known: {', '.join(sorted(PRIMITIVES))}, "
                       '"literal", 4, A or B, array of T, object of T, and the named types '
                       f"{', '.join(sorted(set(self.objects) | set(self.unions) | set(self.strings)))})")

    # -- required column --

    def _required(self, field, spec, line, names):
        """('yes'|'no'|'when', condition) from a required cell."""
        text = spec.strip()
        low = text.lower()
        if low == "yes":
            return ("yes", None)
        if low == "no":
            return ("no", None)
        m = re.fullmatch(r"when `([a-z_][a-z0-9_]*)` is (not )?(.+)", text)
        if m:
            on, negate, values = m.group(1), bool(m.group(2)), m.group(3)
            vals = []
            for v in re.split(r"\s+or\s+", values.strip()):
                ok, lit = parse_literal(unquote(v))
                if unquote(v) == "null":
                    ok, lit = True, None
                if not ok or unquote(v) == v:
                    raise DocError(self.path, line,
                                   f"required: `{field}`: condition values are JSON literals "
                                   'in backticks (`"leave"`, `false`, `0`)')
                vals.append(lit)
            if on not in names:
                raise DocError(self.path, line,
                               f"required: `{field}`: the condition names `{on}`, which is not "
                               "a field of this table")
            return ("when", {"field": on, "negate": negate, "values": vals, "text": text})
        raise DocError(self.path, line,
                       f"required: `{field}`: expected yes, no, or when `FIELD` is `VALUE` "
                       f"(got '{text}')")

    def _check_fields(self, fields):
        for name, f in fields.items():
            f["schema"] = self.type_schema(f["type"], f["line"])
            f["req"] = self._required(name, f["required"], f["line"], fields)

    # -- schemas --

    def object_schema(self, fields, title, record_type=None, description=None):
        props, required, conds = {}, [], []
        for name, f in fields.items():
            if name == "type" and record_type is not None:
                props[name] = {"title": f'"{record_type}"', "const": record_type}
            else:
                props[name] = f["schema"]
            kind, cond = f["req"]
            if kind == "yes":
                required.append(name)
            elif kind == "when":
                test = {"enum": cond["values"]}
                if cond["negate"]:
                    test = {"not": test}
                conds.append({
                    "if": {"properties": {cond["field"]: test}, "required": [cond["field"]]},
                    "then": {"required": [name], "$comment": f"present {cond['text']}"},
                    "else": {"properties": {name: {"not": {},
                                                   "$comment": f"only {cond['text']}"}}},
                })
        out = {"title": title, "type": "object", "properties": props, "required": required,
               "additionalProperties": False}
        if description:
            out["description"] = description
        if conds:
            out["allOf"] = conds
        return out

    def defs(self):
        d = {}
        for name, (line, pattern, example, meaning) in self.strings.items():
            d[name] = {"title": name, "description": strip_md(meaning), "type": "string",
                       "pattern": pattern, "examples": [example]}
        for name, (t, fields) in self.objects.items():
            d[name] = self.object_schema(fields, name)
        for name, (t, alts) in self.unions.items():
            d[name] = {"title": name,
                       "anyOf": [self.type_schema(text, line) for line, text in alts]}
        for form in self.forms:
            for ty in form["types"]:
                d[form_key(form, ty)] = self.object_schema(
                    form["fields"], ty, ty, f"documented under \"{form['label']}\"")
        return d

    def types(self):
        out = []
        for form in self.forms:
            for ty in form["types"]:
                if ty not in out:
                    out.append(ty)
        return out

    def forms_of(self, ty):
        return [f for f in self.forms if ty in f["types"]]

    def document(self):
        """One schema for any record: the type picks the record's schema."""
        defs = self.defs()
        branches = []
        for ty in self.types():
            refs = [{"$ref": f"#/$defs/{form_key(f, ty)}"} for f in self.forms_of(ty)]
            branches.append({"if": {"properties": {"type": {"const": ty}}},
                             "then": refs[0] if len(refs) == 1 else {"anyOf": refs}})
        return {
            "$schema": SCHEMA_URI,
            "title": "mcast --json records",
            "description": "Generated from docs/json.md by tests/json/json_schema.py; one JSON "
                           "object per line of JSON Lines.",
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": self.types()}},
            "allOf": branches,
            "$defs": defs,
        }


def unquote_all(text):
    return text.replace("`", "").strip()


def strip_md(text):
    return re.sub(r"\s+", " ", text.replace("`", "")).strip()


def form_key(form, ty):
    """The $defs key of a record form: record.TYPE, or record.TYPE.N when N tables share TYPE."""
    return form["keys"][ty]


# ---------------------------------------------------------------------------------------------
# Validation


def strict_int(checker, instance):
    return isinstance(instance, int) and not isinstance(instance, bool)


def any_number(checker, instance):
    return isinstance(instance, (int, float)) and not isinstance(instance, bool)


_checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many(
    {"integer": strict_int, "number": any_number})
StrictValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator,
                                               type_checker=_checker)


class LineError(Exception):
    pass


def _no_constant(name):
    raise LineError(f"{name} is not JSON (mcast never writes it)")


def _pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise LineError(f"key '{k}' twice in one object")
        out[k] = v
    return out


def _finite(v, path="$"):
    if isinstance(v, float) and not math.isfinite(v):
        raise LineError(f"{path}: a number too large for a double (JSON cannot hold it)")
    if isinstance(v, list):
        for i, x in enumerate(v):
            _finite(x, f"{path}[{i}]")
    if isinstance(v, dict):
        for k, x in v.items():
            _finite(x, f"{path}.{k}")


def _plain_float(text):
    if "e" in text or "E" in text:
        raise LineError(f"{text}: a number in exponent notation (mcast writes plain decimals)")
    return float(text)


def parse_line(text):
    try:
        v = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_pairs,
                       parse_float=_plain_float)
    except LineError:
        raise
    except ValueError as e:
        raise LineError(f"not JSON: {e}")
    _finite(v)
    return v


def field_path(parts):
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(the record)"


def describe(err):
    """One line for a jsonschema error, in the words of docs/json.md."""
    path = list(err.absolute_path)
    inst = err.instance
    if err.validator == "additionalProperties":
        extra = sorted(set(inst) - set(err.schema.get("properties", {})))
        table = err.schema.get("title", "")
        return [f"field `{field_path(path + [x])}`: not documented (the table of `{table}` in "
                "docs/json.md has no row for it)" for x in extra]
    if err.validator == "required":
        m = re.match(r"'(.*)' is a required property", err.message)
        name = m.group(1) if m else err.message
        why = err.schema.get("$comment", "required")
        return [f"field `{field_path(path + [name])}`: missing, but documented as {why}"]
    if err.validator == "not" and "$comment" in err.schema:
        return [f"field `{field_path(path)}`: present, but documented {err.schema['$comment']}"]
    shown = json.dumps(inst)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    title = err.schema.get("title") if isinstance(err.schema, dict) else None
    if title:
        hint = ""
        if err.validator == "anyOf" and isinstance(inst, (dict, list)) and err.context:
            # The deepest error of the alternatives: the one that got furthest into the value.
            inner = max(err.context, key=lambda e: (len(e.absolute_path),
                                                    e.validator in ("additionalProperties",
                                                                    "required", "anyOf")))
            if len(inner.absolute_path) > len(path) or inner.validator in (
                    "additionalProperties", "required"):
                hint = f" ({describe(inner)[0]})"
        return [f"field `{field_path(path)}`: expected {title}, got {shown}{hint}"]
    return [f"field `{field_path(path)}`: {err.message}"]


class Checker:
    def __init__(self, model):
        self.model = model
        self.defs = model.defs()
        self.validators = {}
        for form in model.forms:
            for ty in form["types"]:
                schema = {"$schema": SCHEMA_URI, "$defs": self.defs,
                          "$ref": f"#/$defs/{form_key(form, ty)}"}
                self.validators[(form["index"], ty)] = StrictValidator(schema)
        self.seen_types = {}
        self.seen_forms = set()

    def errors_of(self, record):
        """[] when the record is valid, else the problems (of its closest documented form)."""
        if not isinstance(record, dict):
            return ["not a JSON object"]
        ty = record.get("type")
        if not isinstance(ty, str):
            return ["no \"type\" string"]
        forms = self.model.forms_of(ty)
        if not forms:
            return [f"type \"{ty}\" is not documented in docs/json.md (documented: "
                    f"{', '.join(self.model.types())})"]
        best = None
        matched = []
        for form in forms:
            errs = list(self.validators[(form["index"], ty)].iter_errors(record))
            if not errs:
                matched.append(form)
                continue
            lines = []
            for e in sorted(errs, key=lambda e: [str(p) for p in e.absolute_path]):
                lines.extend(describe(e))
            if best is None or len(lines) < len(best[1]):
                best = (form, lines)
        if matched:
            self.seen_types[ty] = self.seen_types.get(ty, 0) + 1
            for form in matched:
                self.seen_forms.add((form["index"], ty))
            return []
        form, lines = best
        if len(forms) > 1:
            lines = [f"matches none of the {len(forms)} documented forms of \"{ty}\"; the "
                     f"closest is the one of \"{form['label']}\":"] + lines
        return lines

    def check_text(self, name, data, out):
        """Validates JSON Lines; returns (lines, failed lines)."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            out.write(f"{name}: not UTF-8: {e}\n")
            return 0, 1
        if text.endswith("\n"):
            text = text[:-1]
        elif text:
            out.write(f"{name}: the last line has no newline (a record cut short?)\n")
            return 0, 1
        if not text:
            return 0, 0
        n = failed = 0
        for i, line in enumerate(text.split("\n"), 1):
            n += 1
            try:
                problems = self.errors_of(parse_line(line))
            except LineError as e:
                problems = [str(e)]
            if problems:
                failed += 1
                shown = line if len(line) <= 200 else line[:197] + "..."
                out.write(f"{name}:{i}: {shown}\n")
                for p in problems:
                    out.write(f"{name}:{i}:   {p}\n")
        return n, failed


# ---------------------------------------------------------------------------------------------
# Self-test: the validator rejects what it must, without mcast or a network


def sample(model, schema, defs, depth=0):
    """A value valid under a schema built from the document."""
    if "$ref" in schema:
        return sample(model, defs[schema["$ref"].split("/")[-1]], defs, depth)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return sample(model, schema["anyOf"][0], defs, depth)
    t = schema.get("type")
    if t == "string":
        return schema["examples"][0] if "examples" in schema else "text"
    if t == "integer":
        return 7
    if t == "number":
        return 1.5
    if t == "boolean":
        return True
    if t == "null":
        return None
    if t == "array":
        return [sample(model, schema["items"], defs, depth + 1)] if "items" in schema and (
            depth < 4) else []
    if t == "object":
        if "properties" in schema:
            return object_sample(model, schema, defs, depth)
        if isinstance(schema.get("additionalProperties"), dict):
            return {"k": sample(model, schema["additionalProperties"], defs, depth + 1)}
        return {}
    raise AssertionError(f"no sample for {schema}")


def object_sample(model, schema, defs, depth):
    o = {k: sample(model, s, defs, depth + 1) for k, s in schema["properties"].items()}
    for cond in schema.get("allOf", []):
        (on, test), = cond["if"]["properties"].items()
        holds = (on in o) and StrictValidator(test).is_valid(o[on])
        (name,) = cond["then"]["required"]
        if not holds:
            o.pop(name, None)
    return o


WRONG = [{"zz": 1}, [{"zz": 1}], "not-a-documented-value", 2.5, True, None, -7,
         {"bytes": 1}]


def self_test(model, out):
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)

    jsonschema.Draft202012Validator.check_schema(model.document())
    doc_validator = StrictValidator(model.document())
    checker = Checker(model)
    defs = checker.defs
    n_forms = 0
    for form in model.forms:
        for ty in form["types"]:
            n_forms += 1
            key = form_key(form, ty)
            rec = sample(model, defs[key], defs)
            where = f"\"{ty}\" under \"{form['label']}\""
            expect(checker.errors_of(rec) == [], f"{where}: a sample made from its table fails: "
                   f"{checker.errors_of(rec)} {rec}")
            expect(doc_validator.is_valid(rec), f"{where}: the --print-schema document rejects "
                   "a valid sample")
            bogus = dict(rec, bogus_field=1)
            errs = checker.errors_of(bogus)
            expect(any("bogus_field" in e and "not documented" in e for e in errs),
                   f"{where}: an undocumented field is not reported: {errs}")
            expect(not doc_validator.is_valid(bogus), f"{where}: --print-schema accepts an "
                   "undocumented field")
            props = defs[key]["properties"]
            for name in rec:
                if name == "type":
                    continue
                sub = StrictValidator({"$defs": defs, **props[name]})
                wrong = next((w for w in WRONG if not sub.is_valid(w)), None)
                if wrong is None:  # a field that takes anything (type `object`, `array`)
                    continue
                bad = dict(rec)
                bad[name] = wrong
                errs = checker.errors_of(bad)
                expect(any(f"`{name}" in e for e in errs),
                       f"{where}: field {name} = {json.dumps(wrong)} is not reported: {errs}")
            for name in defs[key]["required"]:
                if name == "type":
                    continue
                bad = dict(rec)
                del bad[name]
                errs = checker.errors_of(bad)
                expect(any(f"`{name}`: missing" in e for e in errs),
                       f"{where}: a missing required field {name} is not reported: {errs}")

    # Fixed cases through the JSON Lines reader, as a test sees it.
    class Sink:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

    def run(data):
        sink = Sink()
        c = Checker(model)
        n, failed = c.check_text("t", data.encode() if isinstance(data, str) else data, sink)
        return failed, sink.text

    some = next(f for f in model.forms if len(f["types"]) == 1 and len(model.forms_of(
        f["types"][0])) == 1)
    ty = some["types"][0]
    good = json.dumps(sample(model, defs[form_key(some, ty)], defs))
    expect(run(good + "\n")[0] == 0, f"a valid {ty} line fails: {run(good + chr(10))[1]}")
    cases = {
        "not JSON": "{\"type\": \n",
        "a text line": "hello\n",
        "undocumented type": "{\"type\": \"no_such_record\"}\n",
        "no type": "{\"x\": 1}\n",
        "an array": "[1]\n",
        "NaN": good[:-1] + ", \"nan_field\": NaN}\n",
        "a duplicate key": "{\"type\": \"" + ty + "\", \"type\": \"" + ty + "\"}\n",
        "a number a double cannot hold": good[:-1] + ", \"big\": 1e99999}\n",
        "a line without newline": good,
        "a blank line": good + "\n\n",
        "not UTF-8": b"{\"type\": \"\xff\"}\n",
    }
    for what, data in cases.items():
        failed, text = run(data)
        expect(failed > 0, f"{what}: not rejected")
    # A float in exponent notation is refused as such (not only as an undocumented field).
    failed, text = run(good[:-1] + ", \"small\": 4.9444E-2}\n")
    expect(failed > 0 and "exponent notation" in text,
           f"a number in exponent notation: not rejected as such: {text}")
    # An integer written as a float (1E0) is not an integer.
    ints = [(f, n) for f in model.forms for n, s in f["fields"].items()
            if s["schema"].get("type") == "integer"]
    if ints:
        f, n = ints[0]
        t0 = f["types"][0]
        rec = sample(model, defs[form_key(f, t0)], defs)
        line = json.dumps(rec).replace(f"\"{n}\": 7", f"\"{n}\": 7E0", 1)
        expect(run(line + "\n")[0] == 1, f"{t0}.{n} written 7E0 is accepted as an integer")
    # Conditions of the required column: a field documented for one value only is refused with
    # another, and required with that one.
    for form in model.forms:
        for name, f in form["fields"].items():
            kind, cond = f["req"]
            if kind != "when":
                continue
            for t1 in form["types"]:
                rec = sample(model, defs[form_key(form, t1)], defs)
                on = cond["field"]
                holds = rec.get(on) in cond["values"]
                if cond["negate"]:
                    holds = not holds
                if holds:
                    bad = {k: v for k, v in rec.items() if k != name}
                else:
                    bad = dict(rec)
                    bad[name] = sample(model, f["schema"], defs)
                expect(checker.errors_of(bad) != [],
                       f"{t1}: field {name} ({cond['text']}) is not enforced: {bad}")
    # --expect-types and --expect-all say when something was not seen.
    c = Checker(model)
    c.check_text("t", (good + "\n").encode(), Sink())
    expect(missing_types(c, [ty]) == [], "--expect-types misses a seen type")
    expect(missing_types(c, [t for t in model.types() if t != ty][:1]) != [],
           "--expect-types does not report an unseen type")
    expect(missing_forms(c) != [] or n_forms == 1, "--expect-all does not report unseen forms")

    if failures:
        for f in failures:
            out.write(f"self-test: FAIL: {f}\n")
        return 1
    out.write(f"self-test: ok ({len(model.forms)} record tables, {n_forms} record forms, "
              f"{len(model.types())} record types)\n")
    return 0


def missing_types(checker, expected):
    return [t for t in expected if t not in checker.seen_types]


def missing_forms(checker):
    out = []
    for form in checker.model.forms:
        for ty in form["types"]:
            if (form["index"], ty) not in checker.seen_forms:
                out.append(f"\"{ty}\" as documented under \"{form['label']}\"")
    return out


# ---------------------------------------------------------------------------------------------


def load_model(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise DocError(path, 0, f"cannot read: {e.strerror}")
    return Model(path, text)


def main(argv):
    p = argparse.ArgumentParser(
        prog="json_schema.py",
        description="docs/json.md as JSON Schema; validate mcast's JSON Lines against it.")
    p.add_argument("files", nargs="*", help="JSON Lines files (default: standard input; - too)")
    p.add_argument("--doc", default=DEFAULT_DOC, help="the document (default: %(default)s)")
    p.add_argument("--print-schema", action="store_true",
                   help="print the schema of every record, as one document")
    p.add_argument("--list-types", action="store_true", help="print the documented types")
    p.add_argument("--expect-types", default="",
                   help="comma-separated record types that must each be seen at least once")
    p.add_argument("--expect-all", action="store_true",
                   help="every documented record form (each table, each type) must be seen")
    p.add_argument("--self-test", action="store_true",
                   help="check that the validator rejects undocumented fields, wrong types...")
    a = p.parse_args(argv)
    try:
        model = load_model(a.doc)
    except DocError as e:
        sys.stderr.write(f"json_schema.py: {e}\n")
        return 2
    if a.print_schema:
        sys.stdout.write(json.dumps(model.document(), indent=2) + "\n")
        return 0
    if a.list_types:
        sys.stdout.write("".join(t + "\n" for t in model.types()))
        return 0
    if a.self_test:
        return self_test(model, sys.stdout)

    expected = [t for t in a.expect_types.split(",") if t.strip()]
    unknown = [t for t in expected if t not in model.types()]
    if unknown:
        sys.stderr.write(f"json_schema.py: --expect-types: not documented in {a.doc}: "
                         f"{', '.join(unknown)}\n")
        return 2
    checker = Checker(model)
    total = failed = 0
    for name in a.files or ["-"]:
        if name == "-":
            data, label = sys.stdin.buffer.read(), "<stdin>"
        else:
            try:
                with open(name, "rb") as f:
                    data = f.read()
            except OSError as e:
                sys.stderr.write(f"json_schema.py: {name}: {e.strerror}\n")
                return 2
            label = name
        n, bad = checker.check_text(label, data, sys.stderr)
        total += n
        failed += bad
    status = 0
    if failed:
        sys.stderr.write(f"json_schema.py: {failed} of {total} lines do not match {a.doc}\n")
        status = 1
    miss = missing_types(checker, expected)
    if miss:
        sys.stderr.write("json_schema.py: expected record types never seen: "
                         f"{', '.join(miss)}\n")
        status = 1
    if a.expect_all:
        forms = missing_forms(checker)
        if forms:
            sys.stderr.write("json_schema.py: documented record forms never seen (run the "
                             "command that writes each in the test): " + "; ".join(forms) + "\n")
            status = 1
    if status == 0:
        sys.stdout.write(f"json_schema.py: {total} lines valid; "
                         f"{len(checker.seen_types)} record types seen: "
                         f"{', '.join(sorted(checker.seen_types))}\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
