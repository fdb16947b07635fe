"""Hover: what the name (or mark) under the cursor is, as the engine's model has it — a table
with every column it has (declared, injected, generated), its groups and effective access, the
direction of its relations; an enum with the exact count of its legal combinations and its dead
variants; a column's type, settings and what it references; a mark's documentation; what a `use`
path imports. Markdown, or plain text for clients that take no markdown."""

from __future__ import annotations

import os

from lsprotocol import types

from ...check.context import display
from ...check.mark_docs import MARK_DOCS
from ...diagnostics import DOCS_BASE
from ...syntax import nodes as n
from .markup import Doc, code, link

MAX_COLUMNS = 60      # columns listed in a table's hover before "… N more"
MAX_IMPORTS = 40      # names listed for a `use *` path
NOTE_CHARS = 200      # a note longer than this is cut in hovers


# -- small texts ----------------------------------------------------------------------------------
def short(text: str, limit: int = NOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def setting_text(s: n.Setting) -> str:
    """A setting as DBML writes it (also for the settings of generated columns, which have no text)."""
    if s.ref is not None:
        ep = s.ref.target
        cols = [c.text for c in ep.columns]
        target = ".".join(([ep.table.text] if ep.table is not None else [])
                          + [cols[0] if len(cols) == 1 else "(" + ", ".join(cols) + ")"])
        return f"ref: {s.ref.op} {target}"
    v = s.value
    if v is None:
        return s.key
    if v.kind == "string":
        return f"{s.key}: {quote(short(v.text, 60))}"
    if v.kind == "expression":
        return f"{s.key}: `{v.text}`"
    return f"{s.key}: {v.text}"


def column_line(col: n.Column) -> str:
    parts = [_name(col.name.text), col.type_text or "?"]
    if col.settings:
        parts.append("[" + ", ".join(setting_text(s) for s in col.settings) + "]")
    parts += [mark_source(mk) for mk in col.marks]
    return " ".join(parts)


def mark_source(mk: n.Mark) -> str:
    """A mark as written, from its node (generated columns copy marks but not their text)."""
    return " ".join([f"%{mk.name}"] + [quote(a.text) if a.kind == "string" else a.text for a in mk.args])


def _name(text: str) -> str:
    return text if text.replace("_", "a").isalnum() and not text[:1].isdigit() else '"' + text + '"'


def _key(key: str) -> str:
    """A table or enum key as DBML writes it: `public` dropped, parts quoted where needed."""
    return ".".join(_name(p) for p in display(key).split("."))


def _note(settings) -> str | None:
    s = n.find_setting(settings, "note")
    return s.value.text if s is not None and s.value is not None else None


class Hover:
    """One hover's answer being written: the context for file places and links."""

    def __init__(self, ctx, nav, path: str):
        self.ctx = ctx
        self.nav = nav
        self.path = path
        self.markdown = ctx.client.hover_markdown
        ws = ctx.session.workspace_of(path)
        self.root = str(ws.root) if ws is not None else os.path.dirname(path)

    def rel(self, path: str) -> str:
        try:
            r = os.path.relpath(path, self.root)
        except ValueError:
            return path
        return path if r.startswith("..") else r.replace(os.sep, "/")

    def place(self, path: str, offset: int) -> str:
        """`file.dbmt:12` linked to that line."""
        line = self.ctx.position_of(path, offset).line + 1
        label = f"{self.rel(path)}:{line}"
        return link(code(label), f"{self.ctx.uri_of(path)}#L{line}")

    def where(self, doc: Doc, path: str, offset: int) -> None:
        doc.para(f"Defined in {self.place(path, offset)}")

    def note_and_where(self, doc: Doc, el, d) -> None:
        """The element's note (its `note:` setting, else its first Note block), then where `d`
        is defined."""
        note = _note(el.settings) or (el.notes[0].text if el.notes else None)
        if note:
            doc.para(short(note))
        self.where(doc, d.path, d.name_node.start)

    # -- per kind --------------------------------------------------------------------------------
    def table(self, d) -> Doc:
        nav = self.nav
        el = d.element
        doc = Doc()
        generated_for = getattr(el, "generated_for", None)
        cols = nav.columns(d)
        head = f"Table {_key(d.key)}"
        if getattr(el, "alias", None) is not None:
            head += f" as {el.alias.text}"
        lines = [head + " {"]
        if generated_for is None:
            lines += [f"  {m.text}" for m in _mark_texts(nav, d.path, el.marks)]
        for c in cols[:MAX_COLUMNS]:
            line = "  " + column_line(c)
            origin = self.origin(d, c)
            if origin:
                line += f"  // {origin}"
            lines.append(line)
        if len(cols) > MAX_COLUMNS:
            lines.append(f"  // … {len(cols) - MAX_COLUMNS} more columns")
        lines.append("}")
        doc.code("\n".join(lines))
        if generated_for is not None:
            et = nav.events_table(d)
            if et is not None:
                doc.para(f"Events table generated by `%events_clone` on {code(display(et.base.key))} "
                         f"({self.place(et.base.path, et.mark.start)})")
                if et.for_tables:
                    doc.para("Columns added by `%events_for` in " + ", ".join(
                        f"{code(display(t.key))} ({self.place(t.path, t.name_node.start)})" for t in et.for_tables))
            return doc
        self.table_facts(doc, d)
        self.note_and_where(doc, el, d)
        return doc

    def origin(self, d, c: n.Column) -> str:
        if c.injected_from is not None:
            return f"from ~{c.injected_from}"
        mk = c.generated_from
        if mk is None:
            return ""
        if mk.name == "extension":
            return f"generated by %extension {mk.args[0].text if mk.args else ''}".rstrip()
        if mk.name == "events_clone":
            return "generated by %events_clone"
        return f"generated by %{mk.name}"

    def table_facts(self, doc: Doc, d) -> None:
        nav = self.nav
        ends = nav.relation_ends(d)
        if ends is not None:
            doc.para("Relation: " + _direction(d, *ends))
        else:
            rels = nav.relations_of(d)
            if rels:
                doc.para("Relations: " + "; ".join(_direction(rd, src, snk) for rd, src, snk in rels))
        groups = nav.groups_of(d)
        if groups:
            names = []
            for g in groups:
                ga = nav.group_access(g)
                names.append(code(g.key) + (f" ({ga[0]})" if ga else ""))
            doc.para("Groups: " + ", ".join(names))
        acc = nav.effective_access(d)
        if acc is not None:
            doc.para(f"Effective access: **{acc[0]}** (from {code(acc[1].key)})")
        claim = nav.claim_of(d)
        if claim is not None:
            _mk, e, variant = claim
            doc.para(f"Extension table of {code(display(e.key) + '.' + variant)}")
        for mk, e in nav.supported_enums(d):
            if e is None:
                continue
            doc.para(f"Supports extension enum {code(display(e.key))}: "
                     f"{len(e.element.values)} generated `opt_to_…_id` columns and `ext`")
        et = nav.events_table(d)
        if et is not None and et.base.element is d.element:
            doc.para(f"Events table: {code(display(et.key))}")
        elif et is not None:
            doc.para(f"Adds columns to the events table {code(display(et.key))} of {code(display(et.base.key))}")

    def enum(self, e) -> Doc:
        nav = self.nav
        el = e.element
        doc = Doc()
        lines = [f"Enum {_key(e.key)} {{"]
        for v in el.values:
            lines.append("  " + _name(v.name.text) + (" [" + ", ".join(setting_text(s) for s in v.settings) + "]" if v.settings else ""))
        lines += [f"  {m.text}" for m in _mark_texts(nav, e.path, el.marks)]
        lines.append("}")
        doc.code("\n".join(lines))
        if not e.path.endswith(".dbml") and nav.is_extension_enum(e):
            a = nav.enum_analysis(e)
            r = a.result
            k = len(a.variants)
            if r is None:
                doc.para("Extension enum (its constraints were not analysed)")
            elif r.satisfiable is False:
                doc.para("Extension enum: **no** legal combination (DBMT305: its constraints conflict)")
            elif r.gave_up or r.count is None:
                doc.para("Extension enum: the number of legal combinations is unknown (the analysis gave up)")
            else:
                doc.para(f"Extension enum: **{r.count}** legal combination{'s' if r.count != 1 else ''} "
                         f"of {k} variant{'s' if k != 1 else ''} (of {2 ** k if k <= 64 else f'2^{k}'} subsets, "
                         f"the empty one included)" + (f"; limit {a.limit}" if r.count > a.limit else ""))
            if r is not None and r.satisfiable:
                dead = [v for v in a.variants if v in r.dead]
                doc.para("Dead variants: " + (", ".join(code(v) for v in dead) if dead else "none"))
            claims = nav.claims(e)
            rows = []
            for v in el.values:
                tables = [c.table for c in claims.get(v.name.text, [])]
                where = ", ".join(f"{code(display(t.key))} ({self.place(t.path, t.name_node.start)})" for t in tables) or "**none** (DBMT301)"
                rows.append([code(v.name.text), where])
            doc.table(["variant", "extension table"], rows)
            sup = nav.supporters(e)
            if sup:
                doc.para("Supported by: " + ", ".join(f"{code(display(t.key))} ({self.place(t.path, mk.start)})" for t, mk in sup))
        self.note_and_where(doc, el, e)
        return doc

    def variant(self, sym) -> Doc:
        nav = self.nav
        e, v = sym.definition, sym.node
        doc = Doc()
        doc.code(f"{display(e.key)}.{v.name.text}" + (" [" + ", ".join(setting_text(s) for s in v.settings) + "]" if v.settings else ""))
        doc.para(f"Variant of enum {code(display(e.key))}")
        if not e.path.endswith(".dbml") and nav.is_extension_enum(e):
            tables = [c.table for c in nav.claims(e).get(v.name.text, [])]
            if tables:
                doc.para("Extension table: " + ", ".join(f"{code(display(t.key))} ({self.place(t.path, t.name_node.start)})" for t in tables))
            else:
                doc.para("Extension table: **none** (DBMT301)")
            a = nav.enum_analysis(e)
            r = a.result
            if r is not None and r.satisfiable and v.name.text in r.dead:
                why = "; ".join(code(_mark_text(nav, e.path, a.nodes[i])) for i in r.dead[v.name.text])
                doc.para(f"**Dead**: in no legal combination (because of {why})")
        note = _note(v.settings)
        if note:
            doc.para(short(note))
        self.where(doc, e.path, v.name.start)
        return doc

    def column(self, sym, others=()) -> Doc:
        nav = self.nav
        d, col = sym.definition, sym.node
        doc = Doc()
        owner = "TablePartial" if d.kind == "partial" else "Table"
        doc.code(f"{_key(d.key)}.{column_line(col)}")
        origin = self.origin(d, col)
        doc.para(f"Column of {owner.lower() if owner == 'Table' else owner} {code(display(d.key))}" + (f", {origin}" if origin else ""))
        e = nav.column_enum(d, col)
        if e is not None:
            vs = [v.name.text for v in e.element.values]
            doc.para(f"Type: enum {code(display(e.key))} ({', '.join(code(v) for v in vs[:20])}{', …' if len(vs) > 20 else ''})")
        for op, target, written, where, at in nav.column_refs(d, col):
            said = f" ({self.place(where, at)})" if where is not None else ""
            if target is None:
                doc.para(f"References `{op} {written}`: **unknown table**{said}")
            else:
                doc.para(f"References `{op} {written}` → {code(display(target.key))} "
                         f"({self.place(target.path, target.name_node.start)}){said}")
        note = _note(col.settings)
        if note:
            doc.para(short(note))
        for s in others:
            doc.para(f"Also {code(display(s.definition.key) + '.' + s.name)}: `{s.node.type_text}`")
        if not sym.generated:
            self.where(doc, sym.path, sym.start)
        return doc

    def group(self, g) -> Doc:
        nav = self.nav
        el = g.element
        doc = Doc()
        lines = [f"TableGroup {_name(g.key)} {{"]
        lines += [f"  {m.text}" for m in _mark_texts(nav, g.path, el.marks)]
        members = nav.members(g)
        lines += [f"  {_key(m.key)}" for m in members]
        lines.append("}")
        doc.code("\n".join(lines))
        if members:
            doc.para("Members: " + ", ".join(f"{code(display(m.key))} ({self.place(m.path, m.name_node.start)})" for m in members))
        from ...check.marks import valid_marks
        req = [a.text for mk in valid_marks(el, "require_columns") for a in mk.args] if not g.path.endswith(".dbml") else []
        if req:
            doc.para("Required columns: " + ", ".join(code(c) for c in dict.fromkeys(req)))
        ga = nav.group_access(g)
        if ga is not None:
            doc.para(f"Access: **{ga[0]}**")
        self.note_and_where(doc, el, g)
        return doc

    def partial(self, p) -> Doc:
        el = p.element
        doc = Doc()
        lines = [f"TablePartial {_name(p.key)} {{"] + [f"  {column_line(c)}" for c in el.columns[:MAX_COLUMNS]] + ["}"]
        doc.code("\n".join(lines))
        users = self.nav.references(_def_symbol(p), include_declaration=False)
        doc.para(f"Injected with `~{p.key}` in {len(users)} place{'s' if len(users) != 1 else ''}")
        self.where(doc, p.path, p.name_node.start)
        return doc

    def note(self, d) -> Doc:
        doc = Doc()
        el = d.element
        doc.code(f"Note {d.key}", "dbmt")
        if el.notes:
            doc.para(short(el.notes[0].text, 600))
        self.where(doc, d.path, d.name_node.start)
        return doc

    def file(self, sym, occ) -> Doc:
        nav = self.nav
        doc = Doc()
        use_el = occ.spec[1]
        target, names = nav.imports_of(self.path, use_el)
        target = target or sym.path
        doc.para(f"File {link(code(self.rel(target)), self.ctx.uri_of(target))}")
        if use_el.wildcard:
            doc.para(f"`use *` imports every name it defines or re-exports ({len(names)}):")
        shown = []
        for kind, local, defs in names[:MAX_IMPORTS]:
            word = {"group": "tablegroup", "partial": "tablepartial"}.get(kind, kind)
            if defs:
                shown.append(f"{word} {code(display(local))} ({self.place(defs[0].path, defs[0].name_node.start)})")
            else:
                shown.append(f"{word} {code(display(local))}: **not defined there** (DBMT111)")
        if len(names) > MAX_IMPORTS:
            shown.append(f"… {len(names) - MAX_IMPORTS} more")
        doc.bullets(shown)
        return doc

    def mark(self, mk: n.Mark) -> Doc | None:
        md = MARK_DOCS.get(mk.name)
        doc = Doc()
        if md is None:
            doc.para(f"Unknown mark `%{mk.name}` (DBMT106)")
            return doc
        doc.para(f"**%{mk.name}** — in {md.where}; arguments: {md.arguments}")
        doc.para(md.summary)
        doc.code(md.example)
        doc.para("Checked by " + ", ".join(link(c, f"{DOCS_BASE}{c}.md") for c in md.codes))
        return doc


class _MarkText:
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def _mark_text(nav, path: str, mk: n.Mark) -> str:
    fm = nav.index.files.get(path)
    return " ".join(fm.parsed.text[mk.start:mk.end].split()) if fm is not None else f"%{mk.name}"


def _mark_texts(nav, path: str, marks) -> list[_MarkText]:
    return [_MarkText(_mark_text(nav, path, mk)) for mk in marks]


def _direction(d, sources: list[str], sinks: list[str]) -> str:
    name = display(d.key)
    src = ", ".join(display(k) for k in dict.fromkeys(sources))
    snk = ", ".join(display(k) for k in dict.fromkeys(sinks))
    if src:
        return f"`{src} —{name}→ {snk or '?'}`"
    return f"`{name}` relates {', '.join(code(x) for x in [snk] if x) or 'nothing yet'} (no `%relation_source`)"


def _def_symbol(d):
    from ...navigate import def_symbol
    return def_symbol(d)


def describe(h: Hover, occ, syms) -> Doc | None:
    s = syms[0]
    if s.kind == "file":
        return h.file(s, occ)
    d = s.definition
    if s.kind == "column":
        return h.column(s, syms[1:])
    if s.kind == "variant":
        return h.variant(s)
    if d is None:
        return None
    return {"table": h.table, "enum": h.enum, "group": h.group, "partial": h.partial, "note": h.note}[s.kind](d)


def hover(ctx, params: types.HoverParams):
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return None
    offset = ctx.offset_of(path, params.position)
    h = Hover(ctx, nav, path)
    mk = nav.mark_at(path, offset)
    if mk is not None and offset <= mk.name_end:
        doc, start, end = h.mark(mk), mk.start, mk.name_end
    else:
        occ, syms = nav.symbol_at(path, offset)
        if occ is None:
            if mk is None:
                return None
            doc, start, end = h.mark(mk), mk.start, mk.name_end
        elif not syms:
            doc = Doc()
            if occ.spec[0] == "type":
                doc.para(f"Type {code(occ.text)}: a database type (no enum of that name is visible here)")
            elif occ.kind == "file":
                doc.para(f"File {code(occ.text)}: not found (DBMT111)")
            else:
                doc.para(f"Unknown {occ.kind} {code(occ.text)}: nothing this file can see has that name")
            start, end = occ.start, occ.end
        else:
            doc, start, end = describe(h, occ, syms), occ.start, occ.end
    if doc is None:
        return None
    return types.Hover(contents=doc.content(h.markdown), range=ctx.range_of(path, start, end))
