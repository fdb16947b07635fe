"""textDocument/completion and completionItem/resolve: the engine (dbmt.completion) says what
fits at the cursor; this turns its candidates into items — the range each replaces (in the
negotiated encoding), snippets only for clients that take them, markdown or plain-text
documentation, and the `use` line of an auto-import as an additional edit (the engine's
imports.use_edit, the text the DBMT101 quick fix writes too) — in the item, or on resolve for
clients that resolve additional edits. Documentation of tables and enums is filled in on
resolve (it lists columns)."""

from __future__ import annotations

from lsprotocol import types

from ... import completion as engine

TRIGGER_CHARACTERS = ["%", ".", "[", ":", " ", "~", ",", "("]

KINDS = {
    "keyword": types.CompletionItemKind.Keyword,
    "mark": types.CompletionItemKind.Event,
    "table": types.CompletionItemKind.Class,
    "column": types.CompletionItemKind.Field,
    "enum": types.CompletionItemKind.Enum,
    "variant": types.CompletionItemKind.EnumMember,
    "group": types.CompletionItemKind.Module,
    "partial": types.CompletionItemKind.Interface,
    "note": types.CompletionItemKind.Text,
    "type": types.CompletionItemKind.TypeParameter,
    "value": types.CompletionItemKind.Value,
    "setting": types.CompletionItemKind.Property,
    "operator": types.CompletionItemKind.Operator,
    "file": types.CompletionItemKind.File,
    "module": types.CompletionItemKind.Module,
}


def options() -> types.CompletionOptions:
    return types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS, resolve_provider=True)


def _doc(ctx, doc: tuple[str, str] | None):
    if doc is None:
        return None
    if ctx.client.completion_docs_markdown:
        return types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc[0])
    return doc[1]


def completion(ctx, params: types.CompletionParams):
    """Registered with flush=False: the edits typed since the last debounce are not applied
    to the workspace first (that re-check is what typing costs); the engine reads the
    document's current text and the index as it is."""
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is not None and path not in nav.index.files and path in ctx.session.dirty:
        ctx.session.flush([path])  # a document the workspace has not seen at all yet
        nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return None
    text = ctx.session.text_of(path)
    offset = ctx.offset_of(path, params.position)
    got = engine.complete(nav, path, offset, text=text)
    c = got.cursor
    if not got.items:
        return types.CompletionList(is_incomplete=got.incomplete, items=[])
    snippets = ctx.client.snippets
    # The `use` edit of an auto-import: on resolve for clients that take it there (a list
    # is then lighter to send), in the item for the others.
    lazy_imports = ctx.client.completion_resolve_edits
    # One range for every item: the word at the cursor (to the cursor to insert, to the word's
    # end to replace; a quoted name is always replaced whole, quotes included).
    start = c.start
    insert_end = c.end if c.quoted else c.offset
    insert_range = ctx.range_of(path, start, insert_end)
    edit_range = insert_range
    if ctx.client.completion_insert_replace and c.end > insert_end:
        replace_range = ctx.range_of(path, start, c.end)
    else:
        replace_range = None
    items = []
    for i, cand in enumerate(got.items):
        text = cand.insert
        fmt = None  # plain text, the protocol's default
        if snippets and cand.snippet:
            text, fmt = cand.snippet, types.InsertTextFormat.Snippet
        if c.quoted and cand.kind in ("table", "column", "enum", "variant", "partial", "group"):
            text = '"' + cand.label.replace('"', '\\"') + '"'
            fmt = None
        if replace_range is not None:
            edit = types.InsertReplaceEdit(new_text=text, insert=edit_range, replace=replace_range)
        else:
            edit = types.TextEdit(range=edit_range, new_text=text)
        extra = None
        data = None
        if cand.definition is not None and cand.doc is None:
            d = cand.definition
            data = {"path": path, "def": [d.path, d.kind, d.key, d.ordinal]}
        if cand.import_edit is not None:
            if lazy_imports:
                d = cand.needs_import
                data = {"path": path, "def": [d.path, d.kind, d.key, d.ordinal], "import": True}
            else:
                e = cand.import_edit
                extra = [types.TextEdit(range=ctx.range_of(path, e.start, e.end), new_text=e.text)]
        filter_text = cand.filter or cand.insert
        if c.quoted:
            filter_text = '"' + cand.label
        if filter_text == cand.label:
            filter_text = None  # the label is what clients filter on by default
        items.append(types.CompletionItem(
            label=cand.label,
            kind=KINDS.get(cand.kind, types.CompletionItemKind.Text),
            detail=cand.detail,
            documentation=_doc(ctx, cand.doc),
            sort_text=f"{i:04d}",
            filter_text=filter_text,
            text_edit=edit,
            insert_text_format=fmt,
            additional_text_edits=extra,
            data=data,
        ))
    return types.CompletionList(is_incomplete=got.incomplete, items=items)


def resolve(ctx, item: types.CompletionItem):
    """Documentation of the table or enum an item names (its columns, its variants), and the
    `use` edit of an auto-import for clients that resolve additional edits."""
    data = item.data if isinstance(item.data, dict) else None
    if not data or "def" not in data:
        return item
    path = data.get("path")
    nav = ctx.navigator(path) if isinstance(path, str) else None
    if nav is None or path not in nav.index.files:
        return item
    ref = data["def"]
    if not (isinstance(ref, list) and len(ref) == 4):
        return item
    d = nav.index.definition(tuple(ref))
    if d is None:
        return item
    if item.documentation is None:
        item.documentation = _doc(ctx, engine.describe(nav, d))
    if data.get("import") and not item.additional_text_edits:
        e = engine.import_for(nav, path, d, ctx.session.text_of(path))
        if e is not None:
            item.additional_text_edits = [types.TextEdit(range=ctx.range_of(path, e.start, e.end), new_text=e.text)]
    return item
