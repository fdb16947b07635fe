"""What a file declares, as a tree of named things with their ranges: tables (with their columns),
the events tables `%events_clone` declares, partials, enums (with their variants), table groups,
named and unnamed Refs, sticky notes and the Project. Editors show it as the document outline and
search it for workspace symbols; it is read from the file's syntax once and kept on its
FileModel (a new parse makes a new model)."""

from __future__ import annotations

import re

from .syntax import nodes as n
from .workspace.index import events_table_name


class Entry:
    """One declared thing. kind: table events partial enum variant column group ref note project.
    `start`/`end`: all of it; `sel_start`/`sel_end`: its name (what editors select)."""

    __slots__ = ("name", "kind", "detail", "start", "end", "sel_start", "sel_end", "children", "container")

    def __init__(self, name: str, kind: str, detail: str, start: int, end: int, sel_start: int, sel_end: int,
                 container: str | None = None):
        self.name = name
        self.kind = kind
        self.detail = detail
        self.start = start
        self.end = end
        self.sel_start = sel_start
        self.sel_end = sel_end
        self.children: list[Entry] = []
        self.container = container

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Entry({self.kind} {self.name!r} @{self.start}-{self.end})"


def _display(qn: n.QualifiedName) -> str:
    return qn.text if len(qn.parts) > 1 and qn.parts[-2].text != "public" else qn.last.text


def _mark_text(text: str, mk: n.Mark) -> str:
    return " ".join(text[mk.start:mk.end].split())


def _column_detail(col: n.Column) -> str:
    parts = [col.type_text] if col.type is not None else []
    keys = [s.key for s in col.settings if s.key in ("pk", "primary key", "unique", "not null", "increment")]
    ref = col.setting("ref")
    if ref is not None and ref.ref is not None:
        ep = ref.ref.target
        target = ".".join(([ep.table.text] if ep.table is not None else []) + [c.text for c in ep.columns])
        keys.append(f"ref: {ref.ref.op} {target}")
    if keys:
        parts.append("[" + ", ".join(keys) + "]")
    return " ".join(parts)


_WS = re.compile(r"\s+")


def _ref_name(text: str, rel: n.Relationship) -> str:
    return _WS.sub(" ", text[rel.left.start:rel.right.end]).strip()


def outline(fm) -> list[Entry]:
    """The declared things of a file, in text order (kept on the FileModel)."""
    got = getattr(fm, "_outline", None)
    if got is not None:
        return got
    text = fm.parsed.text
    out: list[Entry] = []
    for el in fm.parsed.elements:
        kind = el.kind
        if kind in ("table", "partial") and el.name is not None:
            name = _display(el.name)
            marks = " ".join(_mark_text(text, mk) for mk in el.marks)
            detail = (f"as {el.alias.text} " if getattr(el, "alias", None) is not None else "") + marks
            e = Entry(name, kind, detail.strip(), el.start, el.end, el.name.last.start, el.name.last.end)
            for col in el.columns:
                c = Entry(col.name.text, "column", _column_detail(col), col.start, col.end,
                          col.name.start, col.name.end, name)
                e.children.append(c)
            out.append(e)
            if kind == "table" and not fm.is_dbml:
                for mk in el.marks:
                    if mk.name == "events_clone" and len(mk.args) <= 1 and not mk.bad_args:
                        ename = mk.args[0].text if mk.args else events_table_name(el.name.last.text)
                        at = mk.args[0] if mk.args else mk
                        out.append(Entry(ename, "events", f"events table of {name} (%events_clone)",
                                         mk.start, mk.end, at.start, at.end))
                        break
        elif kind == "enum" and el.name is not None:
            name = _display(el.name)
            e = Entry(name, "enum", " ".join(_mark_text(text, mk).split(" ", 1)[0] for mk in el.marks),
                      el.start, el.end, el.name.last.start, el.name.last.end)
            for v in el.values:
                note = n.find_setting(v.settings, "note")
                detail = " ".join(note.value.text.split()) if note is not None and note.value is not None else ""
                e.children.append(Entry(v.name.text, "variant", detail[:80], v.start, v.end, v.name.start, v.name.end, name))
            out.append(e)
        elif kind == "group" and el.name is not None:
            detail = " ".join(_mark_text(text, mk) for mk in el.marks)
            out.append(Entry(el.name.text, "group", f"{len(el.tables)} tables" + (f" {detail}" if detail else ""),
                             el.start, el.end, el.name.last.start, el.name.last.end))
        elif kind == "note" and el.name is not None:
            out.append(Entry(el.name.text, "note", "", el.start, el.end, el.name.last.start, el.name.last.end))
        elif kind == "project":
            name = el.name.text if el.name is not None else "Project"
            sel = (el.name.start, el.name.end) if el.name is not None else (el.start, el.start + len(el.keyword))
            out.append(Entry(name, "project", "", el.start, el.end, *sel))
        elif kind == "ref":
            for rel in el.relationships:
                if el.name is not None:
                    name, sel = el.name.text, (el.name.start, el.name.end)
                else:
                    name, sel = _ref_name(text, rel), (rel.left.start, rel.right.end)
                start, end = (el.start, el.end) if len(el.relationships) == 1 else (rel.start, rel.end)
                out.append(Entry(name, "ref", _ref_name(text, rel) if el.name is not None else "", start, end, *sel))
    fm._outline = out
    return out


def flat(fm) -> list[Entry]:
    """Every entry of a file's outline, parents before their children (kept on the FileModel)."""
    got = getattr(fm, "_outline_flat", None)
    if got is None:
        got = []
        for e in outline(fm):
            got.append(e)
            got.extend(e.children)
        fm._outline_flat = got
    return got
