"""SQL in backtick expressions: syntax errors (DBMT603) and column names (DBMT604), via tree-sitter.

An expression is parsed by wrapping it as `SELECT <expr>\\n;` — the grammar has no
"bare expression" entry point. The newline keeps a trailing `-- comment` in the expression
from swallowing the `;`. All offsets returned are *character* offsets into the expression
text (tree-sitter reports UTF-8 byte offsets into the wrapped text; both the prefix and the
multi-byte characters are accounted for).

Because the wrapper is a full SELECT, things that are valid *select lists* but not single
expressions parse cleanly and are rejected here by looking at the tree's shape: a second
select item (`a, b`), an alias (`a b`, `a AS b`), `*`, `DISTINCT`, clauses (`a FROM t`,
`a WHERE b`), and a second statement (`1; DROP TABLE x`).

Behaviour of the grammar (tree-sitter-sql 0.3.x, DerekStride/tree-sitter-sql), documented
here and pinned by xfail tests rather than patched over:

Valid SQL the grammar lacks is rewritten, before parsing, into a form it has, of the same
length and with the same names (`_grammar_forms`): MySQL's `INTERVAL 1 YEAR` and the standard
`INTERVAL '1' YEAR`, array casts `x::text[]`, `AT TIME ZONE`, `COLLATE "C"`, MySQL's `<=>`,
PostgreSQL's postfix `x ISNULL` / `x NOTNULL`, and the keyword arguments of `position(a IN b)`
and `substring(a FROM 1 FOR 2)`. An INTERVAL with a column operand stays as written.

Valid SQL that the grammar rejects (reported as errors):
- doubled quotes inside quoted identifiers: `"a""b"` (rewriting them would change the name).

Invalid SQL that the grammar accepts (no error reported):
- `()` (parsed as an empty list);
- reserved words used as a bare column: `and`, `where`, `order`, `DEFAULT`, `select`.

Other grammar facts the code relies on:
- A double-quoted identifier on its own (`"quoted col"`) is parsed as a *literal*; qualified
  (`t."col"`) it is an identifier. Both are reported as identifiers here, per standard SQL.
- Niladic functions (`current_timestamp`, `current_user`, …) parse as column references;
  they are filtered out of `identifiers` by name, together with reserved words.
- A missing operand is sometimes a zero-width `identifier` that is not flagged `is_missing`
  (e.g. `NOT`, `+`, the empty text); such nodes are treated as missing expressions.
- Error recovery decides where the error is: `1 +* 2` blames the `+`, not the `*`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["SqlExpression", "parse_sql_expression"]

_PREFIX = "SELECT "
_SUFFIX = "\n;"
_PREFIX_BYTES = len(_PREFIX.encode())

# Not column references even though the grammar parses them as such: SQL's niladic
# functions, and reserved words the grammar lets through as identifiers. `user` is
# PostgreSQL's CURRENT_USER when bare (a column named "user" must be quoted there).
_NOT_COLUMNS = frozenset({
    "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
    "current_user", "session_user", "system_user", "user", "current_role",
    "current_schema", "current_catalog",
    "all", "and", "any", "as", "asc", "between", "by", "case", "check", "default", "desc",
    "distinct", "else", "end", "false", "from", "group", "having", "in", "is", "like",
    "limit", "not", "null", "offset", "or", "order", "select", "some", "then", "true",
    "union", "when", "where", "with",
})

# Node types that may sit anywhere as grammar extras.
_EXTRAS = frozenset({"comment", "marginalia"})


@dataclass
class SqlExpression:
    """Result of parsing one backtick expression."""

    text: str
    # (start, end, message): character offsets into `text`; zero-width for missing tokens.
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    # (name, start, end): column-like names in source order; quotes removed from the name,
    # offsets cover the name as written (quotes included).
    identifiers: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


_parser = None
_parser_lock = threading.Lock()


def _get_parser():
    """The shared parser, created on first use (loading the grammar costs a few ms)."""
    global _parser
    if _parser is None:
        import tree_sitter_sql
        from tree_sitter import Language, Parser

        _parser = Parser(Language(tree_sitter_sql.language()))
    return _parser


def parse_sql_expression(text: str, allow_list: bool = False) -> SqlExpression:
    """Parse a SQL expression (the inside of a DBML backtick string).

    `allow_list`: accept a comma-separated list of expressions (`(getdate()), (upper(g))`),
    as an index expression may be. MSSQL bracket identifiers (`[price] > 0`) are read as
    quoted identifiers; offsets are unchanged (`[x]` and `"x"` have the same length).
    """
    errors, identifiers = _parse_cached(_grammar_forms(_brackets_to_quotes(text)), allow_list)
    # Fresh lists each call: the cached tuples must not be mutated by callers.
    return SqlExpression(text, list(errors), list(identifiers))


_INTERVAL_UNITS = ("microsecond|second|minute|hour|day|week|month|quarter|year|second_microsecond|"
                   "minute_microsecond|minute_second|hour_microsecond|hour_second|hour_minute|"
                   "day_microsecond|day_second|day_minute|day_hour|year_month")
_STRING = r"'(?:[^']|'')*'"
_FLAT_ARGS = r"(?:[^()'\"]|" + _STRING + r")*?"
# SQL forms the grammar lacks, each rewritten to one it has, of the same length (offsets hold)
# and with no name added or lost. String literals and quoted names are matched first, so
# nothing inside them is rewritten.
_FORMS_RE = re.compile(
    _STRING + r"|\"(?:[^\"]|\"\")*\""
    # MySQL's INTERVAL 1 YEAR, the standard INTERVAL '1' YEAR → a string literal.
    r"|(?P<interval>\binterval\s+(?:[-+]?\d+(?:\.\d+)?|" + _STRING + r")\s+(?:" + _INTERVAL_UNITS + r")\b)"
    # Array casts: x::text[], '{}'::varchar(3)[] → the cast without its brackets.
    r"|(?P<cast>::\s*[A-Za-z_][\w.]*(?:\s*\([^()]*\))?)(?P<array>(?:\s*\[\s*\d*\s*\])+)"
    # now() AT TIME ZONE 'utc' → now() || 'utc'.
    r"|(?P<attz>\bat\s+time\s+zone\b)"
    # x COLLATE "C" → x.
    r"|(?P<collate>\bcollate\s+(?:\"(?:[^\"]|\"\")*\"|[A-Za-z_][\w.]*))"
    # MySQL's a <=> b → a = b; PostgreSQL's postfix x ISNULL / x NOTNULL → x = NULL / x <> NULL.
    r"|(?P<nullsafe><=>)|(?P<isnull>\bisnull\b(?!\s*\())|(?P<notnull>\bnotnull\b(?!\s*\())"
    # position(a IN b), substring(a FROM 1 FOR 2) → the same arguments separated by commas.
    r"|(?P<special>\b(?:position|substring)\s*\(" + _FLAT_ARGS + r"\))",
    re.I)
_ARG_WORDS_RE = re.compile(_STRING + r"|(?P<word>\b(?:in|from|for)\b)", re.I)


def _grammar_forms(text: str) -> str:
    """Rewrite the SQL forms tree-sitter-sql lacks (see _FORMS_RE) into ones it parses, keeping
    every offset. A form whose operand is not a literal (INTERVAL n DAY) stays as written."""
    def rewrite(m: re.Match) -> str:
        g = m.lastgroup
        t = m.group(0)
        if g == "interval":
            return "'" + " " * (len(t) - 2) + "'"
        if g == "array":
            return m.group("cast") + " " * len(m.group("array"))
        if g == "attz":
            return "||" + " " * (len(t) - 2)
        if g == "collate":
            return " " * len(t)
        if g == "nullsafe":
            return " = "
        if g == "isnull":
            return "= NULL"
        if g == "notnull":
            return "<> NULL"
        if g == "special":
            return _ARG_WORDS_RE.sub(lambda w: w.group(0) if w.group("word") is None
                                     else "," + " " * (len(w.group(0)) - 1), t)
        return t

    return _FORMS_RE.sub(rewrite, text)


def _brackets_to_quotes(text: str) -> str:
    """`[name]` → `"name"` where `[` cannot be a subscript (not after a name, `)`, `]` or a
    quote), outside string literals and quoted identifiers. Same length, so offsets hold."""
    if "[" not in text:
        return text
    out = list(text)
    i, n_ = 0, len(text)
    prev = ""  # last non-blank character outside literals
    while i < n_:
        c = text[i]
        if c in "'\"`":
            j = text.find(c, i + 1)
            while j != -1 and j + 1 < n_ and text[j + 1] == c:  # doubled quote
                j = text.find(c, j + 2)
            i = n_ if j == -1 else j + 1
            prev = c
            continue
        if c == "[" and not (prev and (prev.isalnum() or prev in "_)]\"'")):
            j = text.find("]", i + 1)
            inner = text[i + 1:j] if j != -1 else ""
            if j != -1 and inner and not any(ch in inner for ch in "[\"'\n"):
                out[i] = out[j] = '"'
                i = j + 1
                prev = '"'
                continue
        if not c.isspace():
            prev = c
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def _parse_cached(text: str, allow_list: bool = False) -> tuple[tuple[tuple[int, int, str], ...], tuple[tuple[str, int, int], ...]]:
    body = text.encode("utf-8", "surrogatepass")
    source = _PREFIX.encode() + body + _SUFFIX.encode()
    # tree-sitter parsers are not thread-safe; the language server may check from workers.
    with _parser_lock:
        tree = _get_parser().parse(source)
    ctx = _Context(text, body)
    root = tree.root_node
    if root.has_error:
        _collect_errors(root, ctx)
    _check_shape(root, ctx, allow_list)
    errors = _finish_errors(ctx)
    identifiers: list[tuple[str, int, int]] = []
    _collect_identifiers(root, ctx, identifiers)
    # `""` is no name at all (PostgreSQL: "zero-length delimited identifier").
    for name, start, end in identifiers:
        if not name:
            errors.append((start, end, "a quoted name cannot be empty"))
    if len(errors) > 1:
        errors.sort()
    identifiers = [i for i in identifiers if i[0]]
    return tuple(errors), tuple(identifiers)


class _Context:
    """Offsets and text of one parse: maps wrapped-source bytes to expression characters."""

    def __init__(self, text: str, body: bytes):
        self.text = text
        self.body = body
        self.n_bytes = len(body)
        self.errors: list[tuple[int, int, str]] = []
        # Errors that lie wholly in the wrapper suffix: kept only if nothing else is wrong.
        self.end_errors: list[tuple[int, int, str]] = []
        if text.isascii():
            self._b2c = None
        else:
            b2c: list[int] = []
            for i, ch in enumerate(text):
                b2c.extend([i] * len(ch.encode("utf-8", "surrogatepass")))
            b2c.append(len(text))
            self._b2c = b2c

    def char(self, source_byte: int) -> int:
        """Character offset in the expression of a byte offset in the wrapped source."""
        b = min(max(source_byte - _PREFIX_BYTES, 0), self.n_bytes)
        return b if self._b2c is None else self._b2c[b]

    def in_body(self, node) -> bool:
        """Whether a node starts inside the expression (not in the wrapper)."""
        start = node.start_byte - _PREFIX_BYTES
        return 0 <= start < self.n_bytes or (start == self.n_bytes and node.end_byte == node.start_byte)

    def token_text(self, node) -> str:
        """A leaf's text, clipped to the expression, shortened for messages."""
        lo = min(max(node.start_byte - _PREFIX_BYTES, 0), self.n_bytes)
        hi = min(max(node.end_byte - _PREFIX_BYTES, 0), self.n_bytes)
        s = self.body[lo:hi].decode("utf-8", "replace").strip()
        if not s:
            return s
        # An ERROR leaf can hold several tokens ('BY b'); name the first, unless it is a
        # quoted run, whose spaces belong to it.
        s = s.split()[0] if s[0] not in "'\"" else s
        return s if len(s) <= 24 else s[:23] + "…"

    def span(self, node) -> tuple[int, int]:
        return self.char(node.start_byte), self.char(node.end_byte)

    def at_end(self, node) -> bool:
        """Whether only whitespace follows the node in the expression."""
        hi = min(max(node.end_byte - _PREFIX_BYTES, 0), self.n_bytes)
        return not self.body[hi:].strip()


def _quote(tok: str) -> str:
    return f'"{tok}"' if "'" in tok else f"'{tok}'"


def _leaves(node):
    if node.child_count == 0:
        yield node
        return
    for child in node.children:
        yield from _leaves(child)


def _is_missing(node) -> bool:
    # Some missing operands come back as zero-width identifiers not flagged is_missing.
    return node.is_missing or (
        node.child_count == 0 and node.start_byte == node.end_byte and node.has_error
    )


def _missing_message(node_type: str) -> str:
    if node_type.startswith("keyword_"):
        return f"missing {node_type[len('keyword_'):].upper()}"
    if node_type in ("identifier", "field", "literal", "term", "expression"):
        return "missing expression"
    if not node_type.replace("_", "").isalnum():
        return f"missing {_quote(node_type)}"
    return f"missing {node_type.replace('_', ' ')}"


# Leaves after which a missing right-hand side is the likely problem: symbol operators and
# the keywords that take an operand to their right.
_OPERAND_KEYWORDS = frozenset({
    "keyword_and", "keyword_or", "keyword_not", "keyword_is", "keyword_in", "keyword_like",
    "keyword_between", "keyword_similar", "keyword_case", "keyword_when", "keyword_then",
    "keyword_else", "keyword_any", "keyword_all", "keyword_some", "keyword_exists",
})


def _is_operator_leaf(node) -> bool:
    t = node.type
    if t in _OPERAND_KEYWORDS or t == "op_other":
        return True
    return not t.replace("_", "").isalnum() and t not in (")", "]", ",", ";", "ERROR")


def _collect_errors(node, ctx: _Context) -> None:
    if node.is_error:
        _error_node(node, ctx)
        return
    if _is_missing(node):
        pos = ctx.char(node.start_byte)
        msg = _missing_message(node.type)
        (ctx.errors if ctx.in_body(node) else ctx.end_errors).append((pos, pos, msg))
        return
    if not node.has_error:
        return
    for child in node.children:
        _collect_errors(child, ctx)


def _error_node(node, ctx: _Context) -> None:
    body_leaves = [leaf for leaf in _leaves(node) if ctx.in_body(leaf) and leaf.type not in _EXTRAS]
    if not body_leaves:
        # The error is in the wrapper: the expression stopped somewhere the grammar
        # could not close it (e.g. a trailing ';' in the expression).
        pos = ctx.char(node.start_byte)
        ctx.end_errors.append((pos, pos, "incomplete expression"))
        return
    # Prefer a token the ERROR node holds directly: nested complete subtrees are usually
    # the parts the parser *could* read, the stray token is what it could not.
    direct = [c for c in node.children if c.child_count == 0 and ctx.in_body(c) and c.type not in _EXTRAS]
    first = direct[0] if direct else body_leaves[0]
    tok = ctx.token_text(first)
    start, end = ctx.span(first)
    if tok[:1] in ("'", '"') and first.is_error:
        # An unclosed quote makes the lexer swallow the rest of the input as one token.
        what = "string" if tok[0] == "'" else "quoted identifier"
        ctx.errors.append((start, ctx.char(node.end_byte), f"unterminated {what}"))
        return
    if tok.startswith("/") and ctx.text[start:start + 2] == "/*":
        ctx.errors.append((start, len(ctx.text), "unterminated comment"))
        return
    if ctx.at_end(node):
        if len(body_leaves) == 1 and _is_operator_leaf(first):
            ctx.errors.append((start, end, f"missing expression after {_quote(tok)}"))
            return
        if len(body_leaves) > 1 and _is_operator_leaf(first):
            ctx.errors.append((start, ctx.char(node.end_byte), f"incomplete expression after {_quote(tok)}"))
            return
    ctx.errors.append((start, end, f"unexpected {_quote(tok)}"))


def _unexpected(node, ctx: _Context) -> None:
    """Report a node that parsed but makes the text more than one expression."""
    leaves = [leaf for leaf in _leaves(node) if ctx.in_body(leaf) and leaf.type not in _EXTRAS]
    if not leaves:
        return
    first = leaves[0]
    start, end = ctx.span(first)
    ctx.errors.append((start, end, f"unexpected {_quote(ctx.token_text(first))}"))


def _check_shape(root, ctx: _Context, allow_list: bool = False) -> None:
    """Reject select-list constructs the wrapper admits but a single expression does not."""
    statements = []
    for child in root.children:
        if child.type == ";" and ctx.in_body(child):
            ctx.errors.append((*ctx.span(child), "unexpected ';'"))
        elif child.type == "statement":
            statements.append(child)
    if not statements:
        return
    statement = statements[0]
    select = None
    for child in statement.children:
        if child.type == "select" and select is None:
            select = child
        elif child.type not in _EXTRAS and not child.is_error:
            _unexpected(child, ctx)
    if select is None:
        return
    select_expression = None
    for child in select.children:
        if child.type == "select_expression" and select_expression is None:
            select_expression = child
        elif child.type == "keyword_select" and not ctx.in_body(child):
            continue  # the wrapper's own SELECT
        elif child.type not in _EXTRAS and not child.is_error:
            _unexpected(child, ctx)
    if select_expression is None:
        return
    seen_term = False
    for child in select_expression.children:
        if child.type == "term" and (not seen_term or allow_list):
            seen_term = True
            _check_term(child, ctx)
        elif allow_list and child.type == ",":
            continue
        elif child.type not in _EXTRAS and not child.is_error:
            _unexpected(child, ctx)
            return  # one report for a whole select list


def _check_term(term, ctx: _Context) -> None:
    value = term.child_by_field_name("value")
    for child in term.children:
        if value is not None and child == value:
            if child.type == "all_fields":
                _unexpected(child, ctx)
            continue
        if child.type in _EXTRAS or child.is_error:
            continue
        _unexpected(child, ctx)  # `AS`, or the alias itself
        return


def _finish_errors(ctx: _Context) -> list[tuple[int, int, str]]:
    errors = ctx.errors or ctx.end_errors
    # After an unclosed quote or comment the rest of the text is noise; stop there.
    cut = min((e[0] for e in errors if e[2].startswith("unterminated")), default=None)
    if cut is not None:
        errors = [e for e in errors if e[0] <= cut]
    seen: set[tuple[int, int, str]] = set()
    out = []
    for e in sorted(errors):
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _collect_identifiers(node, ctx: _Context, out: list[tuple[str, int, int]]) -> None:
    t = node.type
    # Names inside a subquery belong to other tables; error subtrees have no reliable shape.
    if t in ("subquery", "ERROR") or node.is_error:
        return
    if t == "field":
        name = node.child_by_field_name("name")
        if name is not None and name.end_byte > name.start_byte and ctx.in_body(name):
            raw = name.text.decode("utf-8", "surrogatepass")
            if raw.startswith('"') or raw.lower() not in _NOT_COLUMNS:
                out.append((_unquote(raw), *ctx.span(name)))
        return
    if t == "literal" and node.child_count == 0 and ctx.in_body(node):
        raw = node.text.decode("utf-8", "surrogatepass")
        # The grammar reads a lone "quoted identifier" as a literal.
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            out.append((_unquote(raw), *ctx.span(node)))
        return
    for child in node.children:
        _collect_identifiers(child, ctx, out)
