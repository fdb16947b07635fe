"""The workspace as a Graphviz digraph (`dbmt-lsp --export dot`): one record-like HTML table per
table with a port per column, an edge per relationship from the referencing column to the
referenced one (crow's foot on the many side), extension and events tables in clusters."""

from __future__ import annotations

from html import escape

from .model import Diagram, DiagramTable

CLUSTERS = (("extension", "extension tables", "#e8f1ff"), ("events", "events tables", "#fff4e0"))


def _id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(t: DiagramTable, pad: str) -> str:
    rows = [f'<tr><td bgcolor="#dfe6ee" colspan="2"><b>{escape(t.name)}</b></td></tr>']
    for i, c in enumerate(t.columns):
        keys = " ".join(k for k, on in (("PK", c.pk), ("FK", c.fk), ("UK", c.unique and not c.pk)) if on)
        name = escape(c.name) + (f" <i>({escape(c.generated)})</i>" if c.generated else "")
        rows.append(f'<tr><td port="c{i}" align="left">{name}</td>'
                    f'<td align="left">{escape(c.type)}{(" " + keys) if keys else ""}</td></tr>')
    label = '<table border="0" cellborder="1" cellspacing="0" cellpadding="3">' + "".join(rows) + "</table>"
    return f"{pad}{_id(t.name)} [label=<{label}>];"


def dot(d: Diagram) -> str:
    out = ["digraph dbmt {", "  graph [rankdir=LR, fontname=Helvetica];",
           "  node [shape=plain, fontname=Helvetica, fontsize=10];",
           "  edge [dir=both, fontname=Helvetica, fontsize=9];"]
    for t in d.tables:
        if t.kind == "table":
            out.append(_node(t, "  "))
    for kind, title, color in CLUSTERS:
        members = [t for t in d.tables if t.kind == kind]
        if members:
            out.append(f"  subgraph cluster_{kind} {{")
            out.append(f'    label="{title}"; style=filled; color="{color}";')
            out += [_node(t, "    ") for t in members]
            out.append("  }")
    port = {(t.name, c.name): f"c{i}" for t in d.tables for i, c in enumerate(t.columns)}
    for r in d.relationships:
        lp = port.get((r.left, r.left_columns[0])) if r.left_columns else None
        rp = port.get((r.right, r.right_columns[0])) if r.right_columns else None
        tail = {">": "crow", "<": "tee", "-": "tee", "<>": "crow"}[r.op] if r.op in (">", "<", "-", "<>") else "none"
        head = {">": "tee", "<": "crow", "-": "tee", "<>": "crow"}[r.op] if r.op in (">", "<", "-", "<>") else "none"
        a = _id(r.left) + (f":{lp}" if lp else "")
        b = _id(r.right) + (f":{rp}" if rp else "")
        out.append(f"  {a} -> {b} [arrowtail={tail}, arrowhead={head}];")
    out.append("}")
    return "\n".join(out) + "\n"
