"""What `--check` prints: the findings of a run with their places resolved, and one writer per
output format (text, json, sarif, github, junit).

The CLI builds a `Report` (paths relative to the working directory, 1-based lines and columns
counted in characters) and hands it to `write`; no writer looks at the engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Callable, TextIO
from urllib.parse import quote

from . import __version__
from .check.registry import CODES
from .diagnostics import ERROR, HINT, INFORMATION, WARNING, Diagnostic, docs_base, docs_page_text, docs_url

FORMATS = ("text", "json", "sarif", "github", "junit")
# --severity-threshold: the lowest severity that makes the run fail; "none" never fails.
THRESHOLDS = ("error", "warning", "info", "hint", "none")
_RANK = {ERROR: 3, WARNING: 2, INFORMATION: 1, HINT: 0}
_THRESHOLD_RANK = {"error": 3, "warning": 2, "info": 1, "information": 1, "hint": 0, "none": None}

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {ERROR: "error", WARNING: "warning", INFORMATION: "note", HINT: "note"}
_GITHUB_COMMAND = {ERROR: "error", WARNING: "warning", INFORMATION: "notice", HINT: "notice"}


# Findings, places and related places are built once per diagnostic and never changed (places
# and tuples of related places are shared between findings): plain slotted classes, not frozen
# ones, whose every field is set through object.__setattr__ (a third of resolving 300,000
# findings).
@dataclass(slots=True)
class Place:
    path: str  # relative to the working directory, `/` separators (what users and CI see)
    abspath: str
    line: int  # 1-based; columns 1-based, in characters, the end exclusive
    column: int
    end_line: int
    end_column: int


@dataclass(slots=True)
class RelatedPlace:
    place: Place
    message: str


@dataclass(slots=True)
class Finding:
    code: str
    severity: str
    message: str
    place: Place
    related: tuple[RelatedPlace, ...] = ()
    root_path: str = ""  # the path relative to its workspace root: what fingerprints hash


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file checked, relative like Place.path
    threshold: str = "error"

    def fails(self, finding: Finding) -> bool:
        """Whether this finding alone makes the run fail (exit 1) under --severity-threshold."""
        limit = _THRESHOLD_RANK[self.threshold]
        return limit is not None and _RANK.get(finding.severity, 0) >= limit

    @property
    def exit_code(self) -> int:
        return 1 if any(self.fails(f) for f in self.findings) else 0


def relative(path: str, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return path.replace(os.sep, "/")


def _once(memo: dict, obj, make):
    """make(obj), once per object: a list of related places many findings share (DBMT105's k
    duplicates of one name) is converted, rendered or encoded once. Keyed by id and checked
    by identity, the object kept in the memo."""
    got = memo.get(id(obj))
    if got is None or got[0] is not obj:
        got = memo[id(obj)] = (obj, make(obj))
    return got[1]


def add_diagnostics(report: Report, diags: list[Diagnostic], pos: Callable[[str, int], tuple[int, int]],
                    cwd: Path, root: Path, line_starts: Callable[[str], tuple[list[int], int] | None] | None = None) -> None:
    """Resolves the engine's diagnostics (character offsets) into findings of the report.
    `pos(path, offset)` gives the 1-based line and column of an offset; `line_starts(path)`,
    when given, the file's line-start offsets and length (LineIndex.starts), from which this
    function converts offsets itself: one call per place instead of three (at 190,000
    diagnostics, converting positions was a third of the report)."""

    # One relpath per file, not per place: a file with 50,000 diagnostics spent most of its
    # report there.
    rel_cwd: dict[str, str] = {}
    rel_root: dict[str, str] = {}
    # Places are never changed, so a related place many diagnostics name is converted once; and a list
    # of related places many diagnostics share (the k definitions of one name, DBMT105) once: at
    # 100,000 duplicates the report converted two million places, twice the check's own time.
    places: dict[tuple[str, int, int], Place] = {}
    related_of: dict[int, tuple[list, tuple[RelatedPlace, ...]]] = {}

    converters: dict[str, Callable[[int], tuple[int, int]]] = {}

    def converter(path: str) -> Callable[[int], tuple[int, int]]:
        got = line_starts(path) if line_starts is not None else None
        if got is None:
            return lambda offset: pos(path, offset)
        starts, length = got

        def line_col(offset: int) -> tuple[int, int]:  # LineIndex.line_col, 1-based
            if offset < 0:
                offset = 0
            elif offset > length:
                offset = length
            line = bisect_right(starts, offset)
            return line, offset - starts[line - 1] + 1
        return line_col

    def place(path: str, start: int, end: int) -> Place:
        key = (path, start, end)
        got = places.get(key)
        if got is not None:
            return got
        lc = converters.get(path)
        if lc is None:
            lc = converters[path] = converter(path)
        l1, c1 = lc(start)
        l2, c2 = lc(end)
        rel = rel_cwd.get(path)
        if rel is None:
            rel = rel_cwd[path] = relative(path, cwd)
        got = places[key] = Place(rel, path, l1, c1, l2, c2)
        return got

    def related_places(rs) -> tuple[RelatedPlace, ...]:
        return tuple(RelatedPlace(place(r.path, r.start, r.end), r.message) for r in rs)

    # A diagnostic's own place is converted where it is (few places are the place of more than
    # one diagnostic, and a memo entry costs more than the conversion); the file's converter
    # and relative paths are looked up when the path changes (the diagnostics come file by file).
    findings = report.findings
    path = None
    for d in diags:
        if d.path != path:
            path = d.path
            rp = rel_root.get(path)
            if rp is None:
                rp = rel_root[path] = relative(path, root)
            rel = rel_cwd.get(path)
            if rel is None:
                rel = rel_cwd[path] = relative(path, cwd)
            lc = converters.get(path)
            if lc is None:
                lc = converters[path] = converter(path)
        l1, c1 = lc(d.start)
        l2, c2 = (l1, c1) if d.end == d.start else lc(d.end)
        findings.append(Finding(d.code, d.severity, d.message, Place(rel, path, l1, c1, l2, c2),
                                _once(related_of, d.related, related_places) if d.related else (), rp))


def write(report: Report, fmt: str, out: TextIO, err: TextIO, *, color: bool = False,
          quiet: bool = False, statistics: bool = False) -> None:
    """Writes the report to `out` in `fmt`. Machine-readable documents (json, sarif, junit) keep
    `out` to themselves: their --statistics table goes to `err`."""
    report.findings.sort(key=lambda f: (f.place.path, f.place.line, f.place.column, f.place.end_line,
                                        f.place.end_column, f.code, f.message))
    if fmt == "text":
        _write_text(report, out, color=color, quiet=quiet, statistics=statistics)
        return
    if fmt == "github":
        _write_github(report, out)
        if statistics:
            _write_statistics(report, out, color=False)
        if not quiet:
            out.write(summary_line(report) + "\n")
        return
    if fmt == "json":
        _write_json(report, out)
    elif fmt == "sarif":
        out.write(json.dumps(sarif_document(report), ensure_ascii=False, indent=1) + "\n")
    elif fmt == "junit":
        out.write(junit_document(report))
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    if statistics:
        _write_statistics(report, err, color=False)


# -- text ------------------------------------------------------------------------------------

_SGR = {"error": "1;31", "warning": "1;33", "information": "1;34", "hint": "1;36",
        "path": "1", "code": "1", "dim": "2"}


def want_color(stream: TextIO, environ=os.environ) -> bool:
    """Colour for a terminal: NO_COLOR (set and non-empty) turns it off, FORCE_COLOR (set and
    non-empty) on where there is no terminal; TERM=dumb has none."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _paint(text: str, what: str, color: bool) -> str:
    return f"\x1b[{_SGR[what]}m{text}\x1b[0m" if color else text


def _write_text(report: Report, out: TextIO, *, color: bool, quiet: bool, statistics: bool) -> None:
    # Findings that share their related places (DBMT105's k duplicates) share one rendered
    # block: k diagnostics of 20 places each were 20 k lines formatted again.
    blocks: dict[int, tuple[tuple, str]] = {}
    for f in report.findings:
        p = f.place
        where = _paint(f"{p.path}:{p.line}:{p.column}:", "path", color)
        out.write(f"{where} {_paint(f.severity, f.severity, color)} {_paint(f.code, 'code', color)} {f.message}\n"
                  + _once(blocks, f.related, lambda rs: "".join(
                      "  " + _paint(f"{r.place.path}:{r.place.line}:{r.place.column}: {r.message}", "dim", color) + "\n"
                      for r in rs)))
    if statistics:
        _write_statistics(report, out, color=color)
    if not quiet:
        out.write(summary_line(report) + "\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings)
    parts = [_plural(counts[ERROR], "error"), _plural(counts[WARNING], "warning")]
    if counts[INFORMATION]:
        parts.append(f"{counts[INFORMATION]} information")
    if counts[HINT]:
        parts.append(_plural(counts[HINT], "hint"))
    files_with = len({f.place.path for f in report.findings})
    return f"{', '.join(parts)} in {_plural(files_with, 'file')} ({_plural(len(report.files), 'file')} checked)"


def statistics_rows(report: Report) -> list[tuple[int, str, str, str]]:
    """(count, code, severity, title) per code and severity found, most frequent first."""
    counts = Counter((f.code, f.severity) for f in report.findings)
    rows = [(n, code, sev, CODES.get(code, ("", ""))[1]) for (code, sev), n in counts.items()]
    rows.sort(key=lambda r: (-r[0], r[1], -_RANK.get(r[2], 0)))
    return rows


def _write_statistics(report: Report, out: TextIO, *, color: bool) -> None:
    rows = statistics_rows(report)
    if not rows:
        return
    width = max(len(str(r[0])) for r in rows)
    sev_width = max(len(r[2]) for r in rows)
    for n, code, sev, title in rows:
        sev_text = _paint(sev.ljust(sev_width), sev, color)
        out.write(f"{str(n).rjust(width)}  {_paint(code, 'code', color)}  {sev_text}  {title}\n")


# -- json (the schema README.md documents; version 1) ----------------------------------------

def _write_json(report: Report, out: TextIO) -> None:
    """The json document, as `json.dumps(…, ensure_ascii=False)` writes it, written as it is
    encoded. Findings that share their related places share one encoding of them: DBMT105's k
    duplicates of one name listed the same 20 places k times, and encoding those again was
    most of writing the report."""
    dumps = json.dumps
    # What json.dumps(ensure_ascii=False) writes for a str (the C encoder), and for an int its
    # repr: the head of a finding formatted directly, not a dict built and encoded for each.
    string = encode_basestring
    shared: dict[int, tuple[tuple, str]] = {}
    # Paths, severities and codes repeat from finding to finding: each encoded once.
    words: dict[str, str] = {}
    out.write(f'{{"version": 1, "files_checked": {len(report.files)}, "diagnostics": [')
    sep = ""
    for f in report.findings:
        p = f.place
        related = _once(shared, f.related, lambda rs: dumps([
            {"path": r.place.path, "line": r.place.line, "column": r.place.column, "message": r.message}
            for r in rs], ensure_ascii=False)) if f.related else "[]"
        path = words.get(p.path) or words.setdefault(p.path, string(p.path))
        severity = words.get(f.severity) or words.setdefault(f.severity, string(f.severity))
        code = words.get(f.code) or words.setdefault(f.code, string(f.code))
        out.write(f'{sep}{{"path": {path}, "line": {p.line:d}, "column": {p.column:d}, '
                  f'"end_line": {p.end_line:d}, "end_column": {p.end_column:d}, "severity": {severity}, '
                  f'"code": {code}, "message": {string(f.message)}, "related": {related}}}')
        sep = ", "
    out.write("]}\n")


# -- sarif 2.1.0 -----------------------------------------------------------------------------

def _rule_name(title: str) -> str:
    """A code's title as the Pascal-case identifier SARIF wants for reportingDescriptor.name:
    `unknown TablePartial` → UnknownTablePartial, `SQL syntax error in an expression` →
    SqlSyntaxErrorInExpression (articles and possessives dropped, one capital per word)."""
    words = re.split(r"[^A-Za-z0-9]+", re.sub(r"'s\b", "", title))
    out = []
    for w in words:
        if not w or w.lower() in ("a", "an", "the"):
            continue
        if w.isupper() or w.islower():
            w = w.lower()
        out.append(w[:1].upper() + w[1:])
    return "".join(out)


def _sentence(text: str) -> str:
    """SARIF messages are sentences: ours are one clause without the full stop, so add it."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def sarif_rules() -> list[dict]:
    """One reportingDescriptor per code of the registry, in code order."""
    rules = []
    for code in sorted(CODES):
        level, title = CODES[code]
        rule = {
            "id": code,
            "name": _rule_name(title),
            "shortDescription": {"text": _sentence(title[:1].upper() + title[1:])},
            "defaultConfiguration": {"level": _SARIF_LEVEL[level]},
            "properties": {"defaultSeverity": level},
        }
        if _is_absolute(docs_url(code)):
            rule["helpUri"] = docs_url(code)
        page = docs_page_text(code)
        if page:
            rule["fullDescription"] = {"text": _sentence(_rule_paragraph(page) or title)}
            rule["help"] = {"text": page, "markdown": page}
        rules.append(rule)
    return rules


def _rule_paragraph(page: str) -> str | None:
    """The first paragraph of prose of a docs page (not a heading, the severity line or code), as one line."""
    for para in re.split(r"\n\s*\n", page):
        para = para.strip()
        if not para or para.startswith(("#", "Severity:", "```", "|", "-")):
            continue
        return " ".join(para.split())
    return None


def _is_absolute(uri: str) -> bool:
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", uri) is not None


def _artifact(place: Place) -> dict:
    if place.path.startswith("../") or os.path.isabs(place.path):
        return {"uri": Path(place.abspath).as_uri()}
    return {"uri": quote(place.path), "uriBaseId": "%SRCROOT%"}


def _physical(place: Place) -> dict:
    return {"artifactLocation": _artifact(place),
            "region": {"startLine": place.line, "startColumn": place.column,
                       "endLine": place.end_line, "endColumn": place.end_column}}


def fingerprints(findings: list[Finding]) -> list[str]:
    """One fingerprint per finding that survives edits elsewhere in the file: the code, the
    file's path in its workspace and the message (which names the things involved and never a
    line number), plus the rank among findings that share all three. Lines moving above a
    finding do not change it; the finding itself changing does."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        key = (f.code, f.root_path or f.place.path, f.message)
        k = seen[key]
        seen[key] += 1
        out.append(hashlib.sha256("\0".join((*key, str(k))).encode()).hexdigest()[:32])
    return out


def sarif_document(report: Report, cwd: Path | None = None) -> dict:
    rules = sarif_rules()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f, fp in zip(report.findings, fingerprints(report.findings)):
        result = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVEL.get(f.severity, "note"),
            "message": {"text": _sentence(f.message)},
            "locations": [{"physicalLocation": _physical(f.place)}],
            "fingerprints": {"dbmt/v1": fp},
        }
        if f.related:
            result["relatedLocations"] = [
                {"id": i, "physicalLocation": _physical(r.place), "message": {"text": _sentence(r.message)}}
                for i, r in enumerate(f.related, start=1)]
        results.append(result)
    base = (cwd or Path.cwd()).resolve().as_uri().rstrip("/") + "/"
    driver = {"name": "dbmt", "fullName": "dbmt checker (dbmt-lsp --check)", "version": __version__,
              "semanticVersion": __version__, "rules": rules}
    docs = docs_base()
    if _is_absolute(docs):
        driver["informationUri"] = docs
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{"executionSuccessful": True, "exitCode": report.exit_code}],
            "originalUriBaseIds": {"%SRCROOT%": {"uri": base}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


# -- github workflow commands ----------------------------------------------------------------

def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _write_github(report: Report, out: TextIO) -> None:
    for f in report.findings:
        p = f.place
        title = f"{f.code} {CODES.get(f.code, ('', ''))[1]}".rstrip()
        props = (f"file={_gh_property(p.path)},line={p.line},col={p.column},"
                 f"endLine={p.end_line},endColumn={p.end_column},title={_gh_property(title)}")
        lines = [f.message] + [f"{r.place.path}:{r.place.line}:{r.place.column}: {r.message}" for r in f.related]
        out.write(f"::{_GITHUB_COMMAND.get(f.severity, 'notice')} {props}::{_gh_data(chr(10).join(lines))}\n")


# -- junit -----------------------------------------------------------------------------------

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    # XML 1.0 cannot carry most control characters at all, not even escaped.
    return _XML_BAD.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_document(report: Report) -> str:
    """One testsuite per checked file, one testcase per finding (a failure when the finding
    fails the run under --severity-threshold; its text in system-out otherwise), and one passing
    testcase for a file with no finding, so that a clean file shows as a passed test."""
    import xml.etree.ElementTree as ET

    by_file: dict[str, list[Finding]] = {p: [] for p in report.files}
    for f in report.findings:
        by_file.setdefault(f.place.path, []).append(f)
    root = ET.Element("testsuites", name="dbmt")
    total = failures = 0
    for path in sorted(by_file):
        found = by_file[path]
        suite = ET.SubElement(root, "testsuite", name=_xml_text(path))
        n_fail = 0
        if not found:
            ET.SubElement(suite, "testcase", classname=_xml_text(path), name="dbmt check", file=_xml_text(path))
        for f in found:
            p = f.place
            case = ET.SubElement(suite, "testcase", classname=_xml_text(path),
                                 name=f"{f.code} {p.line}:{p.column}", file=_xml_text(path), line=str(p.line))
            detail = "\n".join([f"{p.path}:{p.line}:{p.column}: {f.severity} {f.code} {f.message}"]
                               + [f"  {r.place.path}:{r.place.line}:{r.place.column}: {r.message}" for r in f.related])
            if report.fails(f):
                n_fail += 1
                failure = ET.SubElement(case, "failure", type=f.code, message=_xml_text(f"{f.severity}: {f.message}"))
                failure.text = _xml_text(detail)
            else:
                ET.SubElement(case, "system-out").text = _xml_text(detail)
        n_tests = max(1, len(found))
        suite.set("tests", str(n_tests))
        suite.set("failures", str(n_fail))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total += n_tests
        failures += n_fail
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


