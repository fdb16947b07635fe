"""Code actions: quick fixes read a diagnostic's `code` and `data` (never its message), and the
source actions `source.fixAll.dbmt` and `source.organizeImports`."""

from __future__ import annotations

from collections import Counter

from lsprotocol import types

from ...check.marks import MARKS
from ...navigate import spelled
from ...suggest import close_matches
from ...workspace.index import qkey
from ... import imports
from .edits import workspace_edit

FIX_ALL = "source.fixAll.dbmt"


class Fix:
    """One quick fix, engine-side: a title, edits (path → [(start, end, text)]), and whether it
    is the fix `source.fixAll.dbmt` applies (safe and unambiguous)."""

    def __init__(self, title: str, edits: dict, preferred: bool = False, safe: bool = False):
        self.title = title
        self.edits = edits
        self.preferred = preferred
        self.safe = safe


def _key(name: str) -> str:
    parts = name.split(".")
    return f"{parts[-2]}.{parts[-1]}" if len(parts) >= 2 else f"public.{parts[0]}"


def _replace(path, start, end, new, title, preferred=False) -> Fix:
    return Fix(title, {path: [(start, end, new)]}, preferred=preferred)


def _did_you_mean(path, start, end, wanted: str, names, what: str, quoted=False) -> list[Fix]:
    out = []
    for c in close_matches(wanted, list(names), n=3, cutoff=0.6):
        out.append(_replace(path, start, end, spelled(c, quoted), f"Change {what} to '{c}'", preferred=not out))
    return out


def fixes_for(ws, path: str, code: str, data: dict, start: int, end: int) -> list[Fix]:
    """The quick fixes for one diagnostic (engine offsets)."""
    nav = ws.navigator()
    idx = ws.index
    text = idx.files[path].parsed.text if path in idx.files else ""
    quoted = text[start:start + 1] == '"'
    data = data or {}
    out: list[Fix] = []
    if code in ("DBMT101", "DBMT103", "DBMT109") and data.get("name"):
        kind = data.get("kind") or {"DBMT101": "table", "DBMT103": "enum", "DBMT109": "partial"}[code]
        key = _key(data["name"]) if kind in ("table", "enum") else data["name"]
        found = imports.candidates(ws, path, kind, key)
        for d in found:
            e = imports.import_edit(idx, path, d)
            rel = imports.use_path(path, d.path)
            out.append(Fix(f"Add `use {{ {imports.specifier(d)} }} from '{rel}'`", {path: [(e.start, e.end, e.text)]},
                           preferred=len(found) == 1, safe=len(found) == 1))
        shown = [k[7:] if k.startswith("public.") else k for k in idx.visible_names(path, kind)]
        out += _did_you_mean(path, start, end, data["name"].split(".")[-1] if kind in ("table", "enum") else data["name"],
                             [s.split(".")[-1] for s in shown], kind, quoted)
    elif code == "DBMT102" and data.get("table") and data.get("column"):
        found = idx.visible(path, "table", _key(data["table"]))
        if found:
            out += _did_you_mean(path, start, end, data["column"], [c.name.text for c in nav.columns(found[0])], "column", quoted)
    elif code == "DBMT104" and data.get("enum") and data.get("variant"):
        found = idx.visible(path, "enum", _key(data["enum"]))
        if found:
            out += _did_you_mean(path, start, end, data["variant"], [v.name.text for v in found[0].element.values], "variant")
    elif code == "DBMT106" and data.get("suggestion"):
        # The range is `%name`: keep the `%`.
        out.append(_replace(path, start + 1, end, data["suggestion"], f"Change to '%{data['suggestion']}'", preferred=True))
    elif code in ("DBMT404", "DBMT313") and data.get("suggestion"):
        out.append(_replace(path, start, end, data["suggestion"], f"Change to '{data['suggestion']}'", preferred=True))
    elif code == "DBMT312" and data.get("mark"):
        # A variant listed twice in one mark: drop this (later) copy with the blank before it.
        s = start
        while s > 0 and text[s - 1] in " \t":
            s -= 1
        f = Fix(f"Remove the repeated '{data.get('variant')}' from '%{data['mark']}'", {path: [(s, end, "")]},
                preferred=True, safe=True)
        out.append(f)
    elif code == "DBMT301" and data.get("enum") and data.get("variant"):
        out += _create_extension_table(ws, path, data["enum"], data["variant"])
    elif code == "DBMT401" and data.get("table") and data.get("column"):
        out += _add_required_column(ws, path, data)
    return out


def _create_extension_table(ws, path: str, enum: str, variant: str) -> list[Fix]:
    nav = ws.navigator()
    idx = ws.index
    found = idx.visible(path, "enum", _key(enum))
    if not found:
        return []
    e = found[0]
    from ...check.extensions import claims_of, single_pk
    ctx = nav.ctx(e.path)
    pk_type = "int"
    for _v, claims in claims_of(ctx, e).items():
        for c in claims:
            pk = single_pk(ctx, c.table)
            if pk is not None and pk.type is not None:
                pk_type = pk.type_text
                break
        else:
            continue
        break
    schema = e.key.split(".", 1)[0]
    tkey = f"{schema}.{variant}"
    existing = [d for d in idx.defs["table"].get(tkey, []) if getattr(d.element, "generated_for", None) is None]
    mark = f"%extension_enum {enum}.{variant}"
    if existing:
        t = existing[0]
        ttext = idx.files[t.path].parsed.text
        brace = ttext.find("{", t.element.start, t.element.end)
        if brace < 0:
            return []
        return [Fix(f"Add `{mark}` to table '{variant}'", {t.path: [(brace + 1, brace + 1, f"\n  {mark}")]}, preferred=True)]
    etext = idx.files[e.path].parsed.text
    # After the last extension table of this enum in its file, else after the enum.
    after = e.element.end
    for _v, claims in claims_of(ctx, e).items():
        for c in claims:
            if c.table.path == e.path:
                after = max(after, c.table.element.end)
    name = spelled(variant, False)
    tname = name if schema == "public" else f"{spelled(schema, False)}.{name}"
    body = f"\n\nTable {tname} {{\n  {mark}\n  id {pk_type} [pk]\n}}"
    return [Fix(f"Create extension table '{variant}' for {enum}.{variant}", {e.path: [(after, after, body)]}, preferred=True)]


def _add_required_column(ws, path: str, data: dict) -> list[Fix]:
    nav = ws.navigator()
    idx = ws.index
    found = idx.visible(path, "table", _key(data["table"]))
    if not found:
        return []
    t = found[0]
    if getattr(t.element, "generated_for", None) is not None:
        return []
    groups = idx.defs["group"].get(data.get("group", ""), [])
    types_seen = Counter()
    for g in groups:
        for m in nav.members(g):
            c = next((c for c in nav.columns(m) if c.name.text == data["column"]), None)
            if c is not None and c.type is not None:
                types_seen[c.type_text] += 1
    col_type = types_seen.most_common(1)[0][0] if types_seen else "int"
    el = t.element
    ttext = idx.files[t.path].parsed.text
    if el.columns:
        at = max(c.end for c in el.columns)
    else:
        at = ttext.find("{", el.start, el.end)
        if at < 0:
            return []
        at += 1
    line = f"\n  {spelled(data['column'], False)} {col_type}"
    return [Fix(f"Add column '{data['column']} {col_type}' required by TableGroup '{data.get('group')}'",
                {t.path: [(at, at, line)]}, preferred=True)]


def _lsp_action(ctx, fix: Fix, diag=None, kind=types.CodeActionKind.QuickFix) -> types.CodeAction:
    return types.CodeAction(title=fix.title, kind=kind, diagnostics=[diag] if diag is not None else None,
                            is_preferred=fix.preferred or None, edit=workspace_edit(ctx, fix.edits))


def _wants(only, kind: str) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def code_action(ctx, params: types.CodeActionParams):
    path = ctx.path_of(params.text_document.uri)
    ws = ctx.session.workspace_of(path)
    if ws is None or path not in ws.index.files:
        return None
    only = params.context.only
    out: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix):
        for d in params.context.diagnostics or []:
            if d.source != "dbmt":
                continue
            data = d.data if isinstance(d.data, dict) else {}
            code = str(data.get("code") or d.code or "")
            start, end = ctx.offset_of(path, d.range.start), ctx.offset_of(path, d.range.end)
            for fix in fixes_for(ws, path, code, data, start, end):
                out.append(_lsp_action(ctx, fix, d))
    if _wants(only, types.CodeActionKind.SourceOrganizeImports):
        edits = imports.organized(ws.index.files[path])
        if edits:
            out.append(types.CodeAction(title="Organize `use` lines", kind=types.CodeActionKind.SourceOrganizeImports,
                                        edit=workspace_edit(ctx, {path: edits})))
    if _wants(only, FIX_ALL) and (only or params.context.trigger_kind != types.CodeActionTriggerKind.Automatic):
        edits = fix_all_edits(ws, path)
        if edits:
            out.append(types.CodeAction(title="Fix all auto-fixable dbmt problems", kind=FIX_ALL,
                                        edit=workspace_edit(ctx, {path: edits})))
    return out


def fix_all_edits(ws, path: str) -> list[tuple[int, int, str]]:
    """The safe fixes of every diagnostic of a file, without overlaps, in text order."""
    chosen: list[tuple[int, int, str]] = []
    for d in ws.diagnostics_for(path):
        for fix in fixes_for(ws, path, d.code, d.data, d.start, d.end):
            if not fix.safe or list(fix.edits) != [path]:
                continue
            for s, e, t in fix.edits[path]:
                if any(not (e < cs or s > ce) or (s == e == cs) for cs, ce, _ in chosen):
                    continue
                if (s, e, t) not in chosen:
                    chosen.append((s, e, t))
            break
    # Two imports from the same file: both would extend the same `use` line; apply the first
    # (the next fixAll run adds the other).
    return sorted(chosen)
