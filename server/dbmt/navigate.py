"""Positions → names: what is at an offset, where it is defined, which names are visible there."""

from __future__ import annotations

from dataclasses import dataclass

from .syntax import nodes as n
from .workspace.index import Definition, imported, qkey


@dataclass
class Target:
    path: str
    start: int
    end: int
    kind: str
    name: str


def _within(node, offset: int) -> bool:
    return node is not None and node.start <= offset <= node.end


def _element_at(parsed, offset: int):
    els = parsed.elements
    lo, hi = 0, len(els)
    while lo < hi:  # elements are in source order
        mid = (lo + hi) // 2
        if els[mid].end < offset:
            lo = mid + 1
        else:
            hi = mid
    return els[lo] if lo < len(els) and els[lo].start <= offset else None


def _def_target(d: Definition) -> Target:
    nn = d.name_node
    return Target(d.path, nn.start, nn.end, d.kind, d.key)


def definition_at(ws, path: str, offset: int) -> Target | None:
    st = ws.files.get(path)
    if st is None:
        return None
    idx = ws.index
    el = _element_at(st.model.parsed, offset)
    if el is None:
        return None

    def table_target(qn):
        found = idx.visible(path, "table", qkey(qn))
        return _def_target(found[0]) if found else None

    def column_target(table_def, name):
        if table_def is None:
            return None
        c = table_def.element.column(name)
        if c is not None:
            return Target(table_def.path, c.name.start, c.name.end, "column", name)
        return None

    def endpoint_target(ep, own=None):
        if ep.table is not None and _within(ep.table, offset):
            return table_target(ep.table)
        tdef = own
        if ep.table is not None:
            found = idx.visible(path, "table", qkey(ep.table))
            tdef = found[0] if found else None
        for c in ep.columns:
            if _within(c, offset):
                return column_target(tdef, c.text)
        return None

    if el.kind in ("table", "partial"):
        own = next((d for d in st.model.defs if d.element is el), None)
        for inj in el.injections:
            if _within(inj, offset):
                found = idx.visible(path, "partial", inj.text)
                return _def_target(found[0]) if found else None
        for col in el.columns:
            if not _within(col, offset):
                continue
            if col.type is not None and _within(col.type, offset):
                found = idx.visible(path, "enum", qkey(col.type.qname))
                return _def_target(found[0]) if found else None
            for s in col.settings:
                if s.ref is not None and _within(s.ref.target, offset):
                    return endpoint_target(s.ref.target, own)
        for mk in el.marks:
            if _within(mk, offset):
                for a in mk.args:
                    if _within(a, offset):
                        return _mark_arg_target(idx, path, mk, a)
    elif el.kind == "ref":
        for rel in el.relationships:
            for ep in (rel.left, rel.right):
                if _within(ep, offset):
                    return endpoint_target(ep)
    elif el.kind == "group":
        for qn in el.tables:
            if _within(qn, offset):
                return table_target(qn)
    elif el.kind == "use":
        for spec in el.specifiers:
            if _within(spec.qname, offset):
                imp = next((i for i in st.model.imports if i.spec is spec), None)
                if imp and imp.target:
                    found = [d for _k, v in imported(imp, idx.exports(imp.target)) for d in v]
                    return _def_target(found[0]) if found else None
    return None


def _mark_arg_target(idx, path, mk, a) -> Target | None:
    if mk.name == "extension_enum" and "." in a.text:
        enum_text, variant = a.text.rsplit(".", 1)
        found = idx.visible(path, "enum", qkey_text(enum_text))
        if not found:
            return None
        d = found[0]
        v = d.element.value(variant)
        if v is not None:
            return Target(d.path, v.name.start, v.name.end, "variant", variant)
        return _def_target(d)
    if mk.name == "extension":
        found = idx.visible(path, "enum", qkey_text(a.text))
        return _def_target(found[0]) if found else None
    if mk.name == "events_for":
        found = idx.visible(path, "table", qkey_text(a.text))
        return _def_target(found[0]) if found else None
    return None


def qkey_text(text: str) -> str:
    parts = text.split(".")
    return f"{parts[-2]}.{parts[-1]}" if len(parts) >= 2 else f"public.{parts[0]}"


def visible_names(ws, path: str, offset: int) -> list[tuple[str, str]]:
    """(kind, name) pairs a file can use at `offset`: tables, enums, groups, partials, and the
    columns of the table whose body holds the offset."""
    idx = ws.index
    out: list[tuple[str, str]] = []
    for kind in ("table", "enum", "group", "partial"):
        for key in idx.visible_names(path, kind):
            out.append((kind, key[7:] if key.startswith("public.") else key))
    st = ws.files.get(path)
    if st is not None:
        el = _element_at(st.model.parsed, offset)
        if el is not None and el.kind in ("table", "partial"):
            out.extend(("column", c.name.text) for c in el.columns)
    return out
