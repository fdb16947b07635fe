"""Code lens: reference counts on every declared name, member counts on table groups, extension
table and supporter counts on extension enums. Lenses are listed cheaply and resolved lazily
(`codeLens/resolve`); a resolved lens counts exactly what `textDocument/references` (or
`textDocument/implementation`) answers at its name, and its command carries those locations
the way VS Code's `editor.action.showReferences` takes them: (uri, position, locations)."""

from __future__ import annotations

from lsprotocol import types

from ...navigate import def_symbol
from . import navigation

SHOW_REFERENCES = "editor.action.showReferences"


def code_lens(ctx, params: types.CodeLensParams):
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return None
    fm = nav.index.files[path]
    uri = params.text_document.uri
    out = []
    for d in fm.defs:
        generated = getattr(d.element, "generated_for", None) is not None
        if generated:
            mk = next((m for m in d.element.generated_for.marks if m.name == "events_clone"), None)
            if mk is None or not mk.args:
                continue  # the name is not written: nothing to stand on
        nn = d.name_node
        rng = ctx.range_of(path, nn.start, nn.end)
        kinds = ["references"]
        if d.kind == "group":
            kinds.insert(0, "members")
        elif d.kind == "enum" and not fm.is_dbml and nav.is_extension_enum(d):
            kinds += ["extensions", "supporters"]
        for kind in kinds:
            out.append(types.CodeLens(range=rng, data={"uri": uri, "kind": kind, "name": getattr(nn, "text", ""),
                                                       "line": rng.start.line, "character": rng.start.character}))
    return out


def _title(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def resolve(ctx, lens: types.CodeLens):
    """A generator (references look at every file): yields between files."""
    data = lens.data or {}
    uri, kind = data.get("uri"), data.get("kind")
    if not uri or kind is None:
        return lens
    pos = types.Position(line=data["line"], character=data["character"])
    doc = types.TextDocumentIdentifier(uri=uri)
    path = ctx.path_of(uri)
    nav = ctx.navigator(path)
    occ = nav.at(path, ctx.offset_of(path, pos)) if nav is not None and path in nav.index.files else None
    if occ is None or occ.text != data.get("name"):
        # The text moved since the lens was listed: the client asks for new lenses anyway.
        lens.command = types.Command(title="…", command="")
        return lens
    if kind == "references":
        locs = yield from navigation.references(ctx, types.ReferenceParams(
            text_document=doc, position=pos, context=types.ReferenceContext(include_declaration=False)))
        locs = locs or []
        title = _title(len(locs), "reference", "references")
    elif kind == "members":
        locs = navigation.implementation(ctx, types.ImplementationParams(text_document=doc, position=pos)) or []
        title = _title(len(locs), "member", "members")
    else:
        syms = nav.resolve(path, occ)
        e = syms[0].definition if syms else None
        locs = []
        if e is not None:
            if kind == "extensions":
                tables = [c.table for v in e.element.values for c in nav.claims(e).get(v.name.text, [])]
            else:
                tables = [t for t, _mk in nav.supporters(e)]
            seen = set()
            for t in tables:
                s = def_symbol(t)
                if s.ident not in seen:
                    seen.add(s.ident)
                    locs.append(ctx.location(s.path, s.start, s.end))
        title = _title(len(locs), "extension table", "extension tables") if kind == "extensions" else \
            _title(len(locs), "supporter", "supporters")
    lens.command = types.Command(title=title, command=SHOW_REFERENCES, arguments=[uri, pos, locs])
    return lens
