"""Definition, type definition, references, implementation and document highlight: the
engine's Navigator answers; this turns its symbols and occurrences into locations."""

from __future__ import annotations

from lsprotocol import types


def _where(ctx, params):
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return path, None, 0
    return path, nav, ctx.offset_of(path, params.position)


def _link_or_location(ctx, path, occ, syms, links: bool):
    out = []
    for s in syms:
        target = ctx.range_of(s.path, s.start, s.end)
        if s.kind == "file":
            target = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
        if links:
            full = target
            d = s.definition
            if d is not None and s.kind != "column" and s.kind != "variant" and d.path == s.path and not s.generated:
                full = ctx.range_of(d.path, d.element.start, d.element.end)
            elif s.node is not None and s.path == (d.path if d else s.path) and not s.generated:
                full = ctx.range_of(s.path, s.node.start, s.node.end)
            out.append(types.LocationLink(
                target_uri=ctx.uri_of(s.path), target_range=full, target_selection_range=target,
                origin_selection_range=ctx.range_of(path, occ.start, occ.end) if occ is not None else None))
        else:
            out.append(types.Location(uri=ctx.uri_of(s.path), range=target))
    return out or None


def definition(ctx, params: types.DefinitionParams):
    path, nav, offset = _where(ctx, params)
    if nav is None:
        return None
    occ = nav.at(path, offset)
    return _link_or_location(ctx, path, occ, nav.definition(path, offset), ctx.client_definition_links)


def type_definition(ctx, params: types.TypeDefinitionParams):
    path, nav, offset = _where(ctx, params)
    if nav is None:
        return None
    occ = nav.at(path, offset)
    return _link_or_location(ctx, path, occ, nav.type_definition(path, offset), False)


def implementation(ctx, params: types.ImplementationParams):
    path, nav, offset = _where(ctx, params)
    if nav is None:
        return None
    return _link_or_location(ctx, path, None, nav.implementations(path, offset), False)


def references(ctx, params: types.ReferenceParams):
    """Every place that names the symbol at the cursor, across files open or closed (a
    generator: it yields between files so a cancelled request stops)."""
    path, nav, offset = _where(ctx, params)
    if nav is None:
        return None
    occ, syms = nav.symbol_at(path, offset)
    if not syms:
        return None
    include = params.context.include_declaration if params.context else True
    seen = set()
    out = []
    for s in syms:
        found = yield from nav.iter_references(s, include_declaration=include)
        for p, o in found:
            if (p, o.start) in seen:
                continue
            seen.add((p, o.start))
            out.append(ctx.location(p, o.start, o.end))
        yield
        if include and s.generated and (s.path, s.start) not in seen:
            seen.add((s.path, s.start))
            out.append(ctx.location(s.path, s.start, s.end))
    return out


def document_highlight(ctx, params: types.DocumentHighlightParams):
    path, nav, offset = _where(ctx, params)
    if nav is None:
        return None
    occ, syms = nav.symbol_at(path, offset)
    if not syms:
        return None
    out, seen = [], set()
    for s in syms:
        for p, o in nav.references(s, include_declaration=True, only_path=path):
            if p != path or o.start in seen:
                continue
            seen.add(o.start)
            kind = types.DocumentHighlightKind.Write if o.role == "decl" else types.DocumentHighlightKind.Read
            out.append(types.DocumentHighlight(range=ctx.range_of(path, o.start, o.end), kind=kind))
    return out
