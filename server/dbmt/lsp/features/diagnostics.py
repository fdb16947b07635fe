"""Engine diagnostics → LSP diagnostics, and the reports of pull diagnostics (result ids)."""

from __future__ import annotations

import hashlib
import os

from lsprotocol import types

from ...diagnostics import ERROR, HINT, INFORMATION, WARNING, Diagnostic

SEVERITY = {
    ERROR: types.DiagnosticSeverity.Error,
    WARNING: types.DiagnosticSeverity.Warning,
    INFORMATION: types.DiagnosticSeverity.Information,
    HINT: types.DiagnosticSeverity.Hint,
}

# Codes whose range is code that does nothing: editors grey it out.
UNNECESSARY = {"DBMT306"}  # a dead variant: no legal combination holds it


def to_lsp(server, d: Diagnostic, shared: dict | None = None) -> types.Diagnostic:
    """One diagnostic as the client sees it: exact range in the negotiated encoding, code, docs
    link, related places, and `data` (the code and the facts a quick fix needs). `shared`: a
    list of related places several diagnostics share (DBMT105's k definitions) is converted
    once per call of diagnostics_of."""
    rng = server.range_of(d.path, d.start, d.end)
    related = None
    if d.related and server.supports_related:
        got = shared.get(id(d.related)) if shared is not None else None
        if got is not None and got[0] is d.related:
            related = got[1]
        else:
            related = [types.DiagnosticRelatedInformation(
                location=types.Location(uri=server.uri_of(r.path), range=server.range_of(r.path, r.start, r.end)),
                message=r.message) for r in d.related]
            if shared is not None:
                shared[id(d.related)] = (d.related, related)
    return types.Diagnostic(
        range=rng,
        message=d.message,
        severity=SEVERITY.get(d.severity, types.DiagnosticSeverity.Error),
        code=d.code,
        code_description=types.CodeDescription(href=d.docs_url),
        source="dbmt",
        related_information=related,
        tags=[types.DiagnosticTag.Unnecessary] if d.code in UNNECESSARY else None,
        data={"code": d.code, **d.data},
    )


def diagnostics_of(server, path: str) -> list[types.Diagnostic]:
    """A file's diagnostics as sent: at most `dbmt.maxDiagnosticsPerFile` (0: all). Past it,
    the first limit - 1 of them (see `shown`) and one that says how many were left out, so
    that the client's own limit (VS Code: 1,000) keeps the note."""
    shared: dict = {}
    diags = server.session.diagnostics_of(path)
    limit = server.session.settings_for(server.session.root_for(path)).max_diagnostics_per_file
    if not limit or len(diags) <= limit:
        return [to_lsp(server, d, shared) for d in diags]
    kept, first_left = shown(diags, limit - 1)
    out = [to_lsp(server, d, shared) for d in kept]
    left = len(diags) - len(kept)
    out.append(types.Diagnostic(
        range=server.range_of(path, first_left.start, first_left.end),
        message=(f"{left:,} more diagnostics in this file are not shown, the first of them here "
                 f"(dbmt.maxDiagnosticsPerFile is {limit:,}): "
                 f"`dbmt-lsp --check {os.path.basename(path)}` lists all {len(diags):,}"),
        severity=types.DiagnosticSeverity.Information,
        source="dbmt",
    ))
    return out


_RANK = {ERROR: 0, WARNING: 1, INFORMATION: 2, HINT: 3}


def shown(diags: list[Diagnostic], limit: int) -> tuple[list[Diagnostic], Diagnostic]:
    """The `limit` diagnostics of a file sent when it has more: errors first, then
    warnings, information and hints (as VS Code keeps them past its own limit), each severity
    in file order; and the first in file order of those left out. Linear in the number."""
    by_rank: list[list[int]] = [[], [], [], []]
    for i, d in enumerate(diags):
        by_rank[_RANK.get(d.severity, 0)].append(i)
    kept: list[int] = []
    for idx in by_rank:
        if len(kept) == limit:
            break
        kept.extend(idx[:limit - len(kept)])
    kept.sort()
    keep = set(kept)
    first_left = next(d for i, d in enumerate(diags) if i not in keep)
    return [diags[i] for i in kept], first_left


def result_id(diags: list[types.Diagnostic], version) -> str:
    """The same diagnostics give the same id (so an unchanged file answers `unchanged`)."""
    h = hashlib.sha1(repr(version).encode())
    for d in diags:
        r = d.range
        h.update(f"{d.code}|{d.severity}|{r.start.line}:{r.start.character}-{r.end.line}:{r.end.character}|{d.message}".encode())
        for ri in d.related_information or ():
            rr = ri.location.range
            h.update(f"|{ri.location.uri}:{rr.start.line}:{rr.start.character}:{ri.message}".encode())
    return h.hexdigest()[:20]


def document_report(server, params: types.DocumentDiagnosticParams):
    path = server.path_of(params.text_document.uri)
    diags = diagnostics_of(server, path)
    rid = result_id(diags, None)
    if params.previous_result_id == rid:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
    return types.RelatedFullDocumentDiagnosticReport(items=diags, result_id=rid)


def workspace_report(server, params: types.WorkspaceDiagnosticParams):
    """Every file of every root; files whose result id the client holds answer `unchanged`.
    A generator: it yields between files so a cancelled request stops early."""
    previous = {p.uri: p.value for p in (params.previous_result_ids or [])}
    items = []
    for path in server.session.all_files():
        uri = server.uri_of(path)
        diags = diagnostics_of(server, path)
        rid = result_id(diags, None)
        version = server.session.version_of(path)
        if previous.get(uri) == rid:
            items.append(types.WorkspaceUnchangedDocumentDiagnosticReport(uri=uri, result_id=rid, version=version))
        else:
            items.append(types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=diags, result_id=rid, version=version))
        yield
    return types.WorkspaceDiagnosticReport(items=items)
