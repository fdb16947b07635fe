"""`use` lines as edits: importing a name defined in another file (the DBMT101 quick fix and
completion's auto-import write the same text) and organizing a file's `use` lines."""

from __future__ import annotations

import os
import re

from ..syntax import nodes as n
from ..workspace.index import Definition

KIND_WORDS = {"table": "table", "enum": "enum", "group": "tablegroup", "partial": "tablepartial", "note": "note"}


def display(key: str) -> str:
    return key[7:] if key.startswith("public.") else key


def relative_use_path(from_path: str, target: str) -> str:
    """The path a `use` line in `from_path` names `target` by: relative, `/` separators, no
    extension, `./` in front when it does not climb."""
    rel = os.path.relpath(target, os.path.dirname(from_path)).replace(os.sep, "/")
    for ext in (".dbmt", ".dbml"):
        if rel.endswith(ext):
            rel = rel[: -len(ext)]
            break
    return rel if rel.startswith("../") else "./" + rel


def candidates(ws, path: str, kind: str, key: str) -> list[Definition]:
    """Definitions of `kind`/`key` in other files that `path` does not see (what a `use` line
    would bring), in workspace order; none when the file sees everything anyway."""
    idx = ws.index
    if idx.visible(path, kind, key):
        return []
    return [d for d in idx.defs.get(kind, {}).get(key, []) if d.path != path]


def use_edit(ws, path: str, d: Definition) -> tuple[int, int, str]:
    """(start, end, text) adding definition `d` to file `path`'s imports: into an existing
    `use { … } from` line for its file, else as a new `use` line after the last one (or at the
    top)."""
    fm = ws.index.files[path]
    text = fm.parsed.text
    word = KIND_WORDS[d.kind]
    name = display(d.key)
    spec = f"{word} {_quote_parts(name)}"
    uses = [el for el in fm.parsed.elements if el.kind == "use"]
    for imp in fm.imports:
        u = imp.use
        if imp.target == d.path and u.keyword == "use" and not u.wildcard and u.specifiers:
            close = text.rfind("}", u.start, u.path.start if u.path is not None else u.end)
            if close > 0:
                before = text[u.start:close].rstrip()
                sep = "" if before.endswith(",") or before.endswith("{") else ","
                at = u.start + len(before)
                return at, close, f"{sep} {spec} "
    line = f"use {{ {spec} }} from '{relative_use_path(path, d.path)}'"
    if uses:
        last = uses[-1]
        end = text.find("\n", last.end)
        end = len(text) if end < 0 else end
        return end, end, "\n" + line
    return 0, 0, line + "\n" + ("\n" if text and not text.startswith("\n") else "")


def _quote_parts(name: str) -> str:
    ident = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
    return ".".join(p if ident.match(p) else f'"{p}"' for p in name.split("."))


def organized(fm) -> list[tuple[int, int, str]] | None:
    """The edits that sort a file's `use` lines by path, merge the `use { … }` lines naming the
    same file, and drop repeated names; None when they are organized already. Comments stay
    where they were."""
    text = fm.parsed.text
    uses: list[n.Use] = [el for el in fm.parsed.elements if el.kind == "use" and el.path is not None]
    if not uses:
        return None
    groups: dict[tuple, dict] = {}
    for u in uses:
        path_text = text[u.path.start:u.path.end]
        key = (u.keyword, u.path.text)
        g = groups.setdefault(key, {"keyword": u.keyword, "path": path_text, "wildcard": False, "specs": []})
        if u.wildcard:
            g["wildcard"] = True
        for s in u.specifiers:
            raw = " ".join(text[s.start:s.end].split())
            if raw not in g["specs"]:
                g["specs"].append(raw)
    lines = []
    for key in sorted(groups, key=lambda k: (k[1], k[0])):
        g = groups[key]
        if g["wildcard"]:
            lines.append(f"{g['keyword']} * from {g['path']}")
        if g["specs"]:
            lines.append(f"{g['keyword']} {{ {', '.join(g['specs'])} }} from {g['path']}")
    current = [" ".join(text[u.start:u.end].split()) for u in uses]
    contiguous = all(text[a.end:b.start].strip() == "" for a, b in zip(uses, uses[1:]))
    if current == lines and contiguous:
        return None
    edits = [(uses[0].start, uses[0].end, "\n".join(lines))]
    for u in uses[1:]:
        start, end = u.start, u.end
        # The line break before it goes too: no blank line is left where it was.
        nl = text.rfind("\n", 0, start)
        if nl >= 0 and text[nl + 1:start].strip() == "":
            start = nl
        edits.append((start, end, ""))
    return edits
