"""Inputs for the engine fuzzer, as hypothesis strategies of `Case`s:

- `generated_cases`: grammar-aware workspaces of 1–4 files composed from DBML/dbmt elements
  (Project, Table with columns, settings, indexes, notes, checks, TablePartial and `~`
  injection, Enum, Ref in every form, TableGroup, Records, DiagramView, sticky notes, `use` /
  `reuse` lines, every `%` mark of the language brief §2 with good and bad arguments), then
  random damage (deleted and duplicated spans, unclosed brackets, stray quotes);
- `mutated_cases`: the repository's fixtures (tests/fixtures/**, examples/shop/**) as bytes,
  with flips, special bytes (NUL, invalid UTF-8, BOM, lone CR, astral characters, openers)
  and splices between fixtures;
- `pathological_cases`: deep and never-closed nesting, one huge line, many openers of every
  string and comment kind, enums of thousands of variants, thousands of refs on one column.

Every case carries an edit, so the harness also compares the incremental result with a fresh one.
"""

from __future__ import annotations


from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

from engine_run import Case, Edit

REPO = Path(__file__).resolve().parents[2]
FIXTURE_ROOTS = [REPO / "tests" / "fixtures", REPO / "examples" / "shop"]


# -- fixtures ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def fixture_units() -> tuple[tuple[str, tuple[tuple[str, bytes], ...]], ...]:
    """Each fixture as a workspace: a single file, or a folder of files (multi-file fixtures),
    paths relative to the unit. examples/shop is one unit (with its dbmt.toml)."""
    units: list[tuple[str, tuple[tuple[str, bytes], ...]]] = []
    shop = REPO / "examples" / "shop"
    units.append(("examples/shop", tuple((str(p.relative_to(shop)), p.read_bytes())
                                         for p in sorted(shop.rglob("*")) if p.is_file())))
    fx = REPO / "tests" / "fixtures"
    for family in sorted(fx.iterdir()):
        if not family.is_dir():
            continue
        for entry in sorted(family.iterdir()):
            name = str(entry.relative_to(REPO))
            if entry.is_dir():
                files = tuple((str(p.relative_to(entry)), p.read_bytes()) for p in sorted(entry.rglob("*"))
                              if p.is_file())
                if files:
                    units.append((name, files))
            elif entry.suffix in (".dbmt", ".dbml"):
                units.append((name, ((entry.name, entry.read_bytes()),)))
    return tuple(units)


def _schema_files(files) -> list[str]:
    return [rel for rel, _ in files if rel.endswith((".dbmt", ".dbml"))]


# -- grammar-aware generation --------------------------------------------------------------------

TABLES = ["users", "posts", "Shoes", "core.users", "SkeeingExt", "RunningExt", "LedExt", "RelUserPosts",
          '"odd name"', "public.orders", "ShoeEvents", "t"]
COLUMNS = ["id", "user_id", "post_id", "name", "created_at", "opt_to_skeeing_ext_id", "ext", "x", '"quoted col"',
           "action", "shoe_id", "price"]
ENUMS = ["AccessoryExtType", "status", "core.kind", "EventAction", "E"]
VARIANTS = ["SkeeingExt", "RunningExt", "LedExt", "active", "ALL_EXTS", "A", "B", "insert", "delete"]
GROUPS = ["g", "core_tables", '"Group X"']
PARTIALS = ["base", "timestamps", "p"]
TYPES = ["int", "varchar(255)", "key_t", "u32", "decimal(10,2)", "date", "duration", "bool", "json",
         "int[]", '"double precision"', "AccessoryExtType", "status", "timestamp", "text"]

ident = st.sampled_from(["a", "b", "x1", "_y", "Zz", "ünï", "名前", "e😀"]) | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
table = st.sampled_from(TABLES) | ident
column = st.sampled_from(COLUMNS) | ident
enum = st.sampled_from(ENUMS)
variant = st.sampled_from(VARIANTS) | ident
string = st.sampled_from(["'x'", "'it''s'", "'''multi\nline'''", "'😀 astral 𝕏'", "''", "'\\n'", "'a\\'b'",
                          '"dq"'])
number = st.sampled_from(["0", "1", "-3", "2.5", "1e3", "99999999999999999999", "0x1f"])
sql = st.sampled_from(["`now()`", "`x > 0`", "`lower(name)`", "`{}`", "`[]`", "`id + `", "`(`", "`price > 0 and id <> 1`",
                       "``", "`unknown_col = 1`"])
default_value = number | string | sql | st.sampled_from(["true", "false", "null", "'2024-02-30'", "'P1Y2M'",
                                                         "'2024-01-01 12:30:00.5'", "'-PT1H'", "active"])
ref_op = st.sampled_from(["<", ">", "-", "<>", "?>", "<?", "??"])


@st.composite
def endpoint(draw):
    t = draw(table)
    if draw(st.integers(0, 4)) == 0:
        cols = draw(st.lists(column, min_size=1, max_size=3))
        return f"{t}.({', '.join(cols)})"
    return f"{t}.{draw(column)}"


# Strategies are built once, at import, not inside the composites on every draw: building them
# (and Hypothesis describing them) was most of a generated input's cost in the long run.
_SETTING_OPTIONS = st.sampled_from(["pk", "primary key", "not null", "null", "unique", "increment"]) | \
    st.builds("default: {}".format, default_value) | st.builds("note: {}".format, string) | \
    st.builds(lambda op, e: f"ref: {op} {e}", ref_op, endpoint()) | st.builds("check: {}".format, sql) | \
    st.builds(lambda k, v: f"{k}: {v}", ident, string)
_SETTING_LISTS = st.lists(_SETTING_OPTIONS, max_size=4)


@st.composite
def column_settings(draw):
    items = draw(_SETTING_LISTS)
    return f" [{', '.join(items)}]" if items or draw(st.booleans()) else ""


@lru_cache(maxsize=None)
def mark_line(where: str):
    """A mark, its arguments drawn mostly right for `where` (table | column | enum | group | any)."""
    by_place = {
        "table": ["relation", "extension_enum", "extension", "extension_validate", "events_clone", "events_for"],
        "column": ["relation_source"],
        "enum": ["extension_exclusive", "extension_requires", "extensions_incompatible", "extensions_compatible",
                 "extensions_required", "extension_limit"],
        "group": ["require_columns", "access"],
    }
    every = [m for ms in by_place.values() for m in ms] + ["relaton", "unknown_mark", "Relation"]
    args_for = {
        "extension_enum": st.builds(lambda e, v: f"{e}.{v}", enum, variant),
        "extension": enum,
        "extension_validate": st.sampled_from(["init", "write", "read", "delete"]),
        "events_clone": table,
        "events_for": table,
        "extension_limit": number,
        "require_columns": column,
        "access": st.sampled_from(["public", "internal", "confidential", "restricted", "secret"]),
    }
    name = st.sampled_from(by_place.get(where, every)) if where != "any" else st.sampled_from(every)

    any_name = st.sampled_from(every)
    odd = st.sampled_from(["ALL_EXTS", "1", "'s'", "a.b.c", "E.V"])
    arg_lists = {m: (st.lists(args_for.get(m, variant), max_size=5), st.lists(args_for.get(m, variant) | odd, max_size=5))
                 for m in every}

    @st.composite
    def build(draw):
        m = draw(any_name if draw(st.integers(0, 9)) == 0 else name)
        args = draw(arg_lists[m][1] if draw(st.integers(0, 5)) == 0 else arg_lists[m][0])
        tail = draw(st.sampled_from(["", "", " // why", " /* c */"]))
        return " ".join([f"%{m}", *args]) + tail
    return build()


@st.composite
def column_line(draw):
    mark = f" {draw(mark_line('column'))}" if draw(st.integers(0, 5)) == 0 else ""
    return f"  {draw(column)} {draw(st.sampled_from(TYPES))}{draw(column_settings())}{mark}"


_INDEX_ITEM = st.builds(lambda c: c, column) | st.builds(lambda cs: f"({', '.join(cs)})", st.lists(column | sql, min_size=1, max_size=3)) | sql
_INDEX_SETTING = st.sampled_from(["pk", "unique", "name: 'ix'", "type: hash", "type: btree", "note: 'n'"])
_INDEX_LINES = st.lists(st.builds(lambda i, s: f"    {i}" + (f" [{', '.join(s)}]" if s else ""), _INDEX_ITEM,
                                  st.lists(_INDEX_SETTING, max_size=2)), max_size=4)


@st.composite
def indexes_block(draw):
    lines = draw(_INDEX_LINES)
    return "  indexes {\n" + "\n".join(lines) + "\n  }"


_TABLE_MEMBERS = st.lists(
    column_line() | mark_line("table") | indexes_block()
    | st.builds(lambda s: f"  Note: {s}", string)
    | st.builds(lambda c: "  checks {\n    " + c + "\n  }", sql)
    | st.builds(lambda p: f"  ~{p}", st.sampled_from(PARTIALS))
    | st.builds(lambda s: f"  %{s}", st.sampled_from(["relation", "extension AccessoryExtType", "events_clone"])),
    max_size=8)


@st.composite
def table_element(draw, keyword="Table"):
    name = draw(table)
    head = f"{keyword} {name}"
    if draw(st.integers(0, 3)) == 0:
        head += f" as {draw(ident)}"
    if draw(st.integers(0, 3)) == 0:
        head += draw(st.sampled_from([" [headercolor: #3498DB]", " [note: 'n']", " [color: #fff, owner: 'x']"]))
    members = draw(_TABLE_MEMBERS)
    if draw(st.integers(0, 4)) == 0 and members:
        return f"{head} {{ {members[0].strip()}\n" + "\n".join(members[1:]) + "\n}"
    return f"{head} {{\n" + "\n".join(members) + "\n}"


_VARIANT_LINES = st.lists(st.builds(lambda v, note: f"  {v}{note}", variant,
                                    st.sampled_from(["", "", " [note: 'v']", " [note: '😀']"])), max_size=8)
_ENUM_MARKS = st.lists(st.builds(lambda m: f"  {m}", mark_line("enum")), max_size=4)


@st.composite
def enum_element(draw):
    variants = draw(_VARIANT_LINES)
    marks = draw(_ENUM_MARKS)
    body = variants + marks
    order = draw(st.permutations(body)) if draw(st.booleans()) else body
    return f"Enum {draw(enum)} {{\n" + "\n".join(order) + "\n}"


@st.composite
def ref_element(draw):
    a, b, op = draw(endpoint()), draw(endpoint()), draw(ref_op)
    name = f" {draw(ident)}" if draw(st.booleans()) else ""
    settings = draw(st.sampled_from(["", " [delete: cascade]", " [update: no action, delete: set null]",
                                     " [color: #aabbcc]", " [delete: nonsense]"]))
    if draw(st.booleans()):
        return f"Ref{name}: {a} {op} {b}{settings}"
    return f"Ref{name} {{\n  {a} {op} {b}{settings}\n}}"


_GROUP_MEMBERS = st.lists(st.builds(lambda t: f"  {t}", table), max_size=5)
_GROUP_MARKS = st.lists(st.builds(lambda m: f"  {m}", mark_line("group")), max_size=3)


@st.composite
def group_element(draw):
    members = draw(_GROUP_MEMBERS)
    marks = draw(_GROUP_MARKS)
    note = ["  Note: 'group'"] if draw(st.booleans()) else []
    settings = draw(st.sampled_from(["", " [color: #abc]", " [note: 'n']"]))
    return f"TableGroup {draw(st.sampled_from(GROUPS))}{settings} {{\n" + "\n".join(members + marks + note) + "\n}"


@st.composite
def records_element(draw):
    cols = draw(st.lists(column, min_size=1, max_size=3))
    rows = draw(st.lists(st.lists(default_value, min_size=1, max_size=3), max_size=3))
    body = "\n".join("  " + ", ".join(r) for r in rows)
    return f"Records {draw(table)}({', '.join(cols)}) {{\n{body}\n}}"


@st.composite
def diagram_view(draw):
    tables = draw(st.lists(table, max_size=3))
    return f"DiagramView {draw(ident)} {{\n  Tables {{ {', '.join(tables)} }}\n  Notes {{ }}\n}}"


project = st.sampled_from([
    "Project shop {\n  database_type: 'PostgreSQL'\n  Note: '''\n  # Shop\n  '''\n}",
    "Project p { Note: 'x' }",
    "Project {\n}",
])
sticky = st.builds(lambda s: f"Note sticky {{\n  {s}\n}}", string)
comment = st.sampled_from(["// a comment", "/* block\n comment */", "// %relation in a comment", "/* unclosed? */ "])
top_mark = st.builds(lambda m: m, mark_line("any"))

element = st.one_of(table_element(), table_element("TablePartial"), enum_element(), ref_element(),
                    group_element(), records_element(), diagram_view(), project, sticky, comment, top_mark)

FILE_NAMES = ["a.dbmt", "b.dbmt", "sub/c.dbmt", "d.dbml"]


@st.composite
def use_line(draw, others: list[str], here: str):
    target = draw(st.sampled_from(others + ["./missing", "../outside/x"]))
    rel = _relative(here, target) if not target.startswith(".") else target
    if draw(st.booleans()):
        rel = rel.rsplit(".", 1)[0]  # the extension is optional
    verb = draw(st.sampled_from(["use", "use", "reuse"]))
    if draw(st.booleans()):
        return f"{verb} * from '{rel}'"
    names = draw(st.lists(st.builds(lambda k, nm, alias: f"{k} {nm}" + (f" as {alias}" if alias else ""),
                                    st.sampled_from(["table", "enum", "tablegroup", "tablepartial", "note"]),
                                    table | enum, st.none() | ident), min_size=1, max_size=3))
    return f"{verb} {{ {' '.join(names)} }} from '{rel}'"


def _relative(here: str, target: str) -> str:
    import posixpath
    rel = posixpath.relpath(target, posixpath.dirname(here) or ".")
    return rel if rel.startswith("..") else "./" + rel


DAMAGE_PIECES = ["{", "}", "[", "]", "(", ")", "'", "'''", "`", '"', "/*", "*/", "//", "%", "~", "\n", "\r", ":",
                 ",", ">", "\t", "😀", "\x00", "\ufeff"]


@st.composite
def damaged(draw, text: str) -> str:
    """Random damage: deleted and duplicated spans, unclosed brackets, stray quotes."""
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        kind = draw(st.sampled_from(["delete", "duplicate", "insert", "insert"]))
        a = draw(st.integers(0, len(text)))
        b = min(len(text), a + draw(st.integers(0, 40)))
        if kind == "delete":
            text = text[:a] + text[b:]
        elif kind == "duplicate":
            text = text[:b] + text[a:b] + text[b:]
        else:
            text = text[:a] + draw(st.sampled_from(DAMAGE_PIECES)) + text[a:]
    return text


EDIT_PIECES = DAMAGE_PIECES + ["Table t {\n  id int [pk]\n}\n", "  x int [ref: > users.id]\n", "Ref: a.b > c.d\n",
                               "  %relation\n", "Enum e {\n  a\n}", "use * from './b'\n", "  %events_clone\n",
                               "Table", "\n{\n", "  %extension_enum AccessoryExtType.LedExt\n", "} Table u {", "}Ref: a.b > c.d"]


@st.composite
def edit_for(draw, files: dict[str, bytes]) -> Edit:
    paths = _schema_files(files.items()) or list(files)
    path = draw(st.sampled_from(sorted(paths)))
    size = len(files[path])  # in bytes; the harness clamps to the text's length
    at = draw(st.integers(0, max(size, 0)))
    cut = draw(st.sampled_from([0, 0, 1, 3, 10, 40]))
    return Edit(path, at, cut, draw(st.sampled_from(EDIT_PIECES) | st.text(max_size=6)))


@st.composite
def generated_cases(draw) -> Case:
    count = draw(st.integers(1, 4))
    names = FILE_NAMES[:count] if draw(st.booleans()) else sorted(draw(st.permutations(FILE_NAMES))[:count])
    files: dict[str, bytes] = {}
    for here in names:
        others = [p for p in names if p != here]
        uses = draw(st.lists(use_line(others, here), max_size=2)) if others else []
        body = draw(st.lists(element, max_size=6))
        text = "\n".join(uses + body) + draw(st.sampled_from(["\n", "", "\r\n", "\n\n"]))
        if draw(st.integers(0, 2)) == 0:
            text = draw(damaged(text))
        files[here] = text.encode("utf-8", errors="surrogatepass")
    return Case(files, draw(edit_for(files)), "generated")


# -- byte mutation of the fixtures ---------------------------------------------------------------

SPECIAL_BYTES = [b"\x00", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\r", b"\r\n",
                 "😀".encode(), "𝕏".encode(), "\u2028".encode(), b"{", b"}", b"/*", b"*/", b"`", b"'", b"'''",
                 b'"', b"[", b"(", b"%", b"~", b"\t", b"\\"]


@st.composite
def mutated_bytes(draw, data: bytes, others: list[bytes]) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "special", "special", "delete", "splice"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            i = min(at, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1:]
        elif kind == "special":
            data = data[:at] + draw(st.sampled_from(SPECIAL_BYTES)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)):]
        elif kind == "splice" and others:
            other = draw(st.sampled_from(others))
            a = draw(st.integers(0, len(other)))
            b = min(len(other), a + draw(st.integers(1, 400)))
            if draw(st.booleans()):
                data = data[:at] + other[a:b] + data[at:]  # insert a piece of another fixture
            else:
                data = data[:at] + other[a:]  # this one's head, the other one's tail
    return data


@st.composite
def mutated_cases(draw) -> Case:
    units = fixture_units()
    name, files = draw(st.sampled_from(units))
    files = dict(files)
    schema = _schema_files(files.items())
    everything = [b for _, fs in units for rel, b in fs if rel.endswith((".dbmt", ".dbml"))]
    for rel in draw(st.lists(st.sampled_from(sorted(schema)), min_size=1, max_size=2, unique=True)) if schema else []:
        files[rel] = draw(mutated_bytes(files[rel], everything))
    return Case(files, draw(edit_for(files)), "mutated", name)


# -- pathological shapes -------------------------------------------------------------------------

def _shape_texts(kind: str, n: int) -> str:
    """One pathological file of size parameter n."""
    if kind == "deep-braces":
        return "Table t {\n" + "{" * n + "\n" + "}" * (n // 2)
    if kind == "deep-brackets":
        return "Table t {\n  id int " + "[" * n + "\n}"
    if kind == "deep-parens":
        return "Table t {\n  id int [default: `" + "(" * n + "`]\n  indexes {\n    " + "(" * n + "a\n  }\n}"
    if kind == "nested-tables":
        return "Table t {\n" * n
    if kind == "never-closed":
        return "Table t {\n" + "".join(f"  c{i} int [ref: > u.c{i}\n" for i in range(n))
    if kind == "huge-line":
        return "Table t { " + " ".join(f"c{i} int [note: 'x']" for i in range(n)) + " }"
    if kind == "huge-token":
        return "Table " + "x" * (n * 20) + " {\n  id int\n}\n"
    if kind == "quote-openers":
        return "\n".join("Table t { id int [note: '" for _ in range(n))
    if kind == "triple-quote-openers":
        return "Note n { '''\n" * n
    if kind == "backtick-openers":
        return "\n".join("Table t { id int [default: `x" for _ in range(n))
    if kind == "double-quote-openers":
        return "\n".join('Table "t { id int' for _ in range(n))
    if kind == "comment-openers":
        return "/* Table t {\n" * n
    if kind == "line-comments":
        return "Table t {\n" + "  id int // { [ ' ` \" /*\n" * n + "}\n"
    if kind == "mark-openers":
        return "Table t {\n" + "  %relation %extension_enum E.V '\n" * n + "}\n"
    if kind == "many-variants":
        return ("Enum E {\n" + "".join(f"  V{i}\n" for i in range(n))
                + "  %extension_exclusive ALL_EXTS\n  %extensions_compatible V0 V1\n}\n"
                + "Table T {\n  %extension E\n  id int [pk]\n}\n")
    if kind == "refs-on-one-column":
        return ("Table a {\n  id int [pk]\n}\nTable b {\n  x int\n}\n"
                + "".join("Ref: b.x > a.id\n" for _ in range(n)))
    if kind == "inline-refs-on-one-column":
        return ("Table a {\n  id int [pk]\n}\nTable b {\n  x int [" + ", ".join("ref: > a.id" for _ in range(n)) + "]\n}\n")
    if kind == "many-tables-one-group":
        return ("".join(f"Table t{i} {{\n  id int [pk]\n}}\n" for i in range(n))
                + "TableGroup g {\n  %require_columns id name\n" + "".join(f"  t{i}\n" for i in range(n)) + "}\n")
    if kind == "unclosed-everything":
        return "".join(f"Table t{i} {{\n  c int [note: 'x\n  d `y\n/* {i}\n" for i in range(n))
    raise ValueError(kind)


SHAPES = ["deep-braces", "deep-brackets", "deep-parens", "nested-tables", "never-closed", "huge-line", "huge-token",
          "quote-openers", "triple-quote-openers", "backtick-openers", "double-quote-openers", "comment-openers",
          "line-comments", "mark-openers", "many-variants", "refs-on-one-column", "inline-refs-on-one-column",
          "many-tables-one-group", "unclosed-everything"]


def pathological_case(kind: str, n: int, edit_at: float = 0.5, insert: str = "}") -> Case:
    text = _shape_texts(kind, n)
    files = {"p.dbmt": text.encode("utf-8")}
    return Case(files, Edit("p.dbmt", int(len(text) * edit_at), 0, insert), "pathological", f"{kind} n={n}")


@st.composite
def pathological_cases(draw, max_n: int = 400) -> Case:
    kind = draw(st.sampled_from(SHAPES))
    n = draw(st.integers(1, max_n))
    return pathological_case(kind, n, draw(st.floats(0, 1)), draw(st.sampled_from(EDIT_PIECES)))


def any_case(max_n: int = 400):
    return st.one_of(generated_cases(), mutated_cases(), pathological_cases(max_n))
