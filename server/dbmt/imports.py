"""The `use` line that makes a definition of another file visible: the one builder of that text,
for completion's auto-import and the quick fix of DBMT101–104/109 alike.

The edit either extends a `use { … } from '<path>'` line the file already has for that file, or
adds `use { <kind> <name> } from '<path>'` after the file's first run of `use` lines (at the top of
the file when it has none). Paths are relative to the importing file, `./` or `../`, without
the extension unless leaving it out would name another file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .syntax import nodes as n
from .workspace.index import Definition, resolve_use_path

# The word a specifier starts with, per definition kind.
KIND_WORDS = {"table": "table", "enum": "enum", "group": "tablegroup", "partial": "tablepartial", "note": "note"}
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class TextEdit:
    """Replace text[start:end] (character offsets) with `text`."""

    start: int
    end: int
    text: str


def quoted(name: str) -> str:
    """A name as DBML writes it: bare when it can be, else `"quoted"`."""
    if _PLAIN.match(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def local_name(d: Definition) -> str:
    """How a file writes the definition's name: `users`, `core.users` (bare = public)."""
    if d.kind in ("table", "enum"):
        schema, _, name = d.key.partition(".")
        return quoted(name) if schema == "public" else f"{quoted(schema)}.{quoted(name)}"
    return quoted(d.key)


def specifier(d: Definition) -> str:
    return f"{KIND_WORDS[d.kind]} {local_name(d)}"


def use_path(importer: str, target: str, exists=os.path.isfile) -> str:
    """The relative path a `use` line in `importer` writes for `target`."""
    base = os.path.dirname(importer)
    rel = os.path.relpath(target, base).replace(os.sep, "/")
    if not rel.startswith("../"):
        rel = "./" + rel
    stem, ext = os.path.splitext(rel)
    if ext in (".dbmt", ".dbml") and resolve_use_path(base, stem, exists) == os.path.normpath(target):
        return stem
    return rel


def _line_break(text: str) -> str:
    i = text.find("\n")
    return "\r\n" if i > 0 and text[i - 1] == "\r" else "\n"


def _string(path: str) -> str:
    return "'" + path.replace("\\", "\\\\").replace("'", "\\'") + "'"


_SPEC = "\x00"  # where the specifier goes in a cached edit


def use_edit(fm, d: Definition, exists=os.path.isfile, cache: dict | None = None) -> TextEdit:
    """The edit of file model `fm` (its text is `fm.parsed.text`) that imports definition `d`.
    `cache` (a dict kept by the caller for one state of the file) makes the edits for many
    definitions of the same file cost one: only the specifier differs."""
    if cache is not None:
        got = cache.get(d.path)
        if got is None:
            got = cache[d.path] = _use_edit(fm, d.path, _SPEC, exists)
        return TextEdit(got.start, got.end, got.text.replace(_SPEC, specifier(d)))
    return _use_edit(fm, d.path, specifier(d), exists)


def _use_edit(fm, target_path: str, spec: str, exists) -> TextEdit:
    text = fm.parsed.text
    target = os.path.normpath(target_path)
    # A `use { … }` of that file already: add the name to it.
    base = os.path.dirname(fm.path)
    for u in fm.parsed.elements:
        if u.kind != "use" or u.keyword != "use" or u.wildcard or u.path is None:
            continue
        found = resolve_use_path(base, u.path.text, exists)
        if found is None or os.path.normpath(found) != target:
            continue
        close = text.rfind("}", u.start, u.path.start)
        if close < 0:
            continue
        specs = u.specifiers
        if specs:
            last = max(specs, key=lambda s: s.end)
            between = text[specs[0].start:last.end]
            open_brace = text.find("{", u.start, specs[0].start)
            multiline = "\n" in text[open_brace:specs[0].start] or "\n" in between
            if multiline:
                line_start = text.rfind("\n", 0, last.start) + 1
                indent = re.match(r"[ \t]*", text[line_start:last.start]).group()
                return TextEdit(last.end, last.end, f"{_line_break(text)}{indent}{spec}")
            return TextEdit(last.end, last.end, f", {spec}")
        open_brace = text.find("{", u.start, close)
        return TextEdit(open_brace + 1, close, f" {spec} ")
    line = f"use {{ {spec} }} from {_string(use_path(fm.path, target_path, exists))}"
    nl = _line_break(text)
    uses = [el for el in fm.parsed.elements if el.kind == "use"]
    if uses:
        els = fm.parsed.elements
        i = els.index(uses[0])
        last = uses[0]
        while i + 1 < len(els) and els[i + 1].kind == "use":
            i += 1
            last = els[i]
        end = text.find("\n", last.end)
        end = len(text) if end < 0 else (end - 1 if end > 0 and text[end - 1] == "\r" else end)
        return TextEdit(end, end, nl + line)
    first = fm.parsed.elements[0].start if fm.parsed.elements else 0
    at = text.rfind("\n", 0, first) + 1
    return TextEdit(at, at, line + nl + nl)


def import_edit(index, path: str, d: Definition, exists=None, cache: dict | None = None) -> TextEdit | None:
    """use_edit for file `path` of an index (None when the file is unknown)."""
    fm = index.files.get(path)
    if fm is None:
        return None
    if exists is None:
        files = index.files

        def exists(p: str) -> bool:
            return p in files or os.path.isfile(p)
    return use_edit(fm, d, exists, cache)


def candidates(ws, path: str, kind: str, key: str) -> list[Definition]:
    """Definitions of `kind`/`key` in other files that `path` does not see (what a `use` line
    would bring), in workspace order; none when the file sees everything anyway."""
    idx = ws.index
    if idx.visible(path, kind, key):
        return []
    return [d for d in idx.defs.get(kind, {}).get(key, []) if d.path != path]


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


__all__ = ["TextEdit", "use_edit", "import_edit", "use_path", "specifier", "local_name", "quoted", "KIND_WORDS",
           "candidates", "organized"]
