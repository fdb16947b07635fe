"""Symbols across files: what each file defines and imports, who sees what, who depends on what.

A file contributes definitions (tables with aliases, enums, groups, partials, sticky notes) and
facts the workspace rules read backwards (variant claims, %extension supporters, group
memberships, events). Each contribution is keyed (`table:core.users`, `claims:public.E`, …) with
a signature: when a file changes, the keys whose signature changed are exactly the names other
files must be re-checked for.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass

from ..syntax import ParsedFile
from ..syntax import nodes as n

KINDS = ("table", "enum", "group", "partial", "note")


def table_key(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def qkey(qn: n.QualifiedName) -> str:
    """`users` → `public.users`; `core.users` → `core.users`."""
    s, name = n.schema_and_name(qn)
    return table_key(s, name)


@dataclass(eq=False)
class Definition:
    kind: str           # table | enum | group | partial | note
    key: str            # `schema.name` for tables and enums, the name for the others
    path: str
    element: n.Element
    ordinal: int = 0    # among this file's definitions of the same kind and key

    @property
    def name_node(self) -> n.Node:
        return self.element.name.last if self.element.name else self.element

    @property
    def ref(self) -> tuple:
        """A name for this definition that survives re-parses which leave it in place and
        unchanged (positions move; its file, kind, key and rank do not): `Index.definition`
        turns it back into the current Definition."""
        return (self.path, self.kind, self.key, self.ordinal)


@dataclass
class Import:
    """One imported name: `use { table auth.users as u } from '../auth'` (or all of `use *`)."""

    kind: str | None     # None for `use *`; `schema` for `use { schema auth }`
    key: str | None      # the name in the imported file
    local: str | None    # the name in this file (alias or same)
    target: str | None   # resolved absolute path of the imported file, None if missing
    use: n.Use
    spec: n.UseSpecifier | None
    reexport: bool


def imported(imp: Import, theirs: dict[tuple[str, str], list[Definition]]):
    """The (kind, local name) → definitions that one import brings from its target's exports."""
    if imp.kind is None:
        return theirs.items()
    if imp.kind == "schema":
        prefix = imp.key + "."
        return [(k, v) for k, v in theirs.items()
                if k[0] in ("table", "enum") and k[1].startswith(prefix) and "." not in k[1][len(prefix):]]
    v = theirs.get((imp.kind, imp.key))
    return [((imp.kind, imp.local), v)] if v else []


def _digest(text: str) -> bytes:
    """128 bits of BLAKE2b over a signature's text (lone surrogates of undecodable bytes kept)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _digest_all(digests: list[bytes]) -> bytes:
    """The signature of a key that stands for several texts: a digest of their digests, in
    order (marked as such, so it never equals one text's digest)."""
    return hashlib.blake2b(b"".join(digests), digest_size=16, person=b"dbmt-pieces").digest()


class FileModel:
    """What one file defines and imports, derived from its syntax alone."""

    def __init__(self, path: str, parsed: ParsedFile, is_dbml: bool):
        self.path = path
        self.parsed = parsed
        self.is_dbml = is_dbml
        self.defs: list[Definition] = []
        self.aliases: dict[str, str] = {}
        self.imports: list[Import] = []
        self.has_use = False
        text = parsed.text
        # key → the text it stands for. Signatures hold content, never positions: when an
        # element only moves, the workspace relocates what other files point at instead of
        # re-checking them (Workspace.update_file).
        sigs: dict[str, list[str]] = {}

        def sign(key: str, piece: str) -> None:
            sigs.setdefault(key, []).append(piece)

        ranks: dict[tuple[str, str], int] = {}
        # Mentions and facts are signed by the name this file uses; `use … as` gives a table or
        # enum other names, which its readers also depend on (Index.import_aliases).
        for el in parsed.elements:
            if el.kind == "use":
                for spec in el.specifiers:
                    if spec.alias is not None:
                        sign("aliases:*", f"{spec.kind_word} {spec.qname.text} as {spec.alias.text}")

        def sign_enum_fact(prefix: str, enum_text: str, piece: str) -> None:
            sign(f"{prefix}:{_enum_key_text(enum_text)}", piece)

        def sign_mention(prefix: str, qn: n.QualifiedName, body: str) -> None:
            sign(f"{prefix}:{qn.last.text}", body)

        for el in parsed.elements:
            kind = el.kind
            body = text[el.start:el.end]
            if kind in ("table", "partial", "enum", "group", "note") and el.name is not None:
                key = qkey(el.name) if kind in ("table", "enum") else el.name.text
                self.defs.append(Definition(kind, key, path, el, ranks.get((kind, key), 0)))
                ranks[(kind, key)] = ranks.get((kind, key), 0) + 1
                sign(f"{kind}:{key}", body)
                if kind == "table" and getattr(el, "alias", None) is not None:
                    self.aliases[el.alias.text] = key
                    sign(f"table:{el.alias.text}", key)
            elif kind == "use":
                self.has_use = True
                sign(f"uses:{path}", body)
            elif kind in ("ref", "records"):
                # Top-level refs change what columns reference: rules about relations read them,
                # by the tables they name (`refmention:<table name or alias>`).
                sign("refs:*", body)
                if kind == "ref":
                    for rel in el.relationships:
                        for ep in (rel.left, rel.right):
                            if ep.table is not None:
                                sign_mention("refmention", ep.table, body)
            if kind == "project":
                sign(f"projects:{path}", body)  # DBML: one Project per file
            if kind == "group":
                sign("groups:*", body)
                for qn in el.tables:
                    sign_mention("groupmention", qn, body)
        # Events tables that `%events_clone` generates are tables of the model (§7): other
        # files refer to them, so they are definitions, pointing at the mark that makes them.
        for el in parsed.elements:
            if el.kind != "table" or el.name is None:
                continue
            for mk in el.marks:
                if mk.name == "events_clone" and len(mk.args) <= 1 and not mk.bad_args:
                    name = mk.args[0].text if mk.args else events_table_name(el.name.last.text)
                    at = mk.args[0] if mk.args else mk
                    parts = [*el.name.parts[:-1], n.Name(name, at.start, at.end)]
                    gen = n.Table("Table", n.QualifiedName(parts), mk.start, mk.end)
                    gen.generated_for = el
                    gkey = qkey(gen.name)
                    self.defs.append(Definition("table", gkey, path, gen, ranks.get(("table", gkey), 0)))
                    ranks[("table", gkey)] = ranks.get(("table", gkey), 0) + 1
                    # Its columns follow the base table's text.
                    sign(f"table:{gkey}", text[el.start:el.end])
                    break
        # Facts read backwards by workspace rules.
        for el in parsed.elements:
            owner = el.name.text if el.name else ""
            for mk in el.marks:
                # The whole mark is signed, not its first argument: an argument more makes the
                # mark invalid, and the claim or support with it (found by the fuzzer: a `{`
                # typed into a comment after a mark turned the comment into arguments).
                if mk.name == "extension_enum" and mk.args and "." in mk.args[0].text:
                    enum_part = mk.args[0].text.rsplit(".", 1)[0]
                    sign_enum_fact("claims", enum_part, f"{owner}={text[mk.start:mk.end]}")
                elif mk.name == "extension" and mk.args:
                    sign_enum_fact("supporters", mk.args[0].text, f"{owner}={text[mk.start:mk.end]}")
                elif mk.name in ("events_clone", "events_for"):
                    sign("events:*", f"{owner}{text[mk.start:mk.end]}")
        # A digest per key, not the joined text: the texts were a second copy of every file.
        # Keys interned: the units that depend on them hold the same (interned) strings. One
        # element's text is signed under many keys (a group's body under every table it lists):
        # each text is digested once, and a key of several texts digests their digests, so the
        # work is the file's length, not its length times the keys.
        digested: dict[int, bytes] = {}

        def piece(text: str) -> bytes:
            got = digested.get(id(text))
            if got is None:
                got = digested[id(text)] = _digest(text)
            return got

        self.signatures: dict[str, bytes] = {
            sys.intern(k): piece(v[0]) if len(v) == 1 else _digest_all([piece(x) for x in v])
            for k, v in sigs.items()}
        # Element → its definitions (a table and the events table its mark generates).
        self.defs_of: dict[int, list[Definition]] = {}
        for d in self.defs:
            owner = d.element if getattr(d.element, "generated_for", None) is None else d.element.generated_for
            self.defs_of.setdefault(id(owner), []).append(d)
        # What importers can name here: its own definitions and what it re-exports (`reuse`).
        reexports = [text[el.start:el.end] for el in parsed.elements if el.kind == "use" and el.keyword == "reuse"]
        self.signatures[f"exports:{path}"] = _digest("\x00".join([",".join(sorted(f"{d.kind}:{d.key}" for d in self.defs)), *reexports]))

    def definition_of(self, el) -> Definition | None:
        """The definition a declared element of this file makes (None for a nameless one)."""
        for d in self.defs_of.get(id(el), ()):
            if d.element is el:
                return d
        return None

    def resolve_imports(self, exists) -> None:
        base = os.path.dirname(self.path)
        self.imports = []
        for el in self.parsed.elements:
            if el.kind != "use" or el.path is None:
                continue
            target = resolve_use_path(base, el.path.text, exists)
            reexport = el.keyword == "reuse"
            if el.wildcard:
                self.imports.append(Import(None, None, None, target, el, None, reexport))
            for spec in el.specifiers:
                kind = {"table": "table", "enum": "enum", "tablegroup": "group", "tablepartial": "partial",
                        "note": "note", "schema": "schema"}.get(spec.kind_word)
                if kind is None:
                    continue
                if kind == "schema":
                    # `use { schema auth }`: every table and enum of schema `auth` there.
                    self.imports.append(Import(kind, spec.qname.text, spec.qname.text, target, el, spec, reexport))
                    continue
                key = qkey(spec.qname) if kind in ("table", "enum") else spec.qname.text
                local = spec.alias.text if spec.alias else key
                if spec.alias and kind in ("table", "enum"):
                    local = table_key("public", spec.alias.text)
                self.imports.append(Import(kind, key, local, target, el, spec, reexport))


def _def_order(d: "Definition"):
    return (d.path, d.element.start)


def singular(name: str) -> str:
    """Drop one trailing `s` unless the name ends in `ss` (`Shoes` → `Shoe`, `Address` stays)."""
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def events_table_name(base: str) -> str:
    return singular(base) + "Events"


def _enum_key_text(text: str) -> str:
    parts = text.split(".")
    return table_key(parts[-2], parts[-1]) if len(parts) >= 2 else table_key("public", parts[0])


def resolve_use_path(base_dir: str, rel: str, exists) -> str | None:
    """`./base` → the file it names: as written, or with .dbmt / .dbml added."""
    candidate = os.path.normpath(os.path.join(base_dir, rel))
    for c in (candidate, candidate + ".dbmt", candidate + ".dbml"):
        if exists(c):
            return c
    return None


class Index:
    """All files' definitions, by kind and key, with the per-file view each file has."""

    def __init__(self):
        self.files: dict[str, FileModel] = {}
        self.defs: dict[str, dict[str, list[Definition]]] = {k: {} for k in KINDS}
        self.no_use_files: set[str] = set()
        # Files a `use` names that could not be read: path → reason (DBMT111 says so).
        self.unreadable: dict[str, str] = {}
        self.aliases: dict[str, list[str]] = {}  # table alias → table keys (workspace-wide)
        # alias → (path, key) of the files giving it, sorted: `aliases` in the same order
        # whatever order files were loaded or edited in (an edit re-adds its file last).
        self._alias_sources: dict[str, list[tuple[str, str]]] = {}
        self._scopes: dict[str, dict[tuple[str, str], list[Definition]]] = {}
        self._aliases: dict[tuple[str, str], set[str]] | None = None
        # While a file is checked, every name resolved (by rules or by workspace-wide scans
        # they share) is recorded here: the file depends on it.
        self.recording: set[str] | None = None

    # -- maintenance -----------------------------------------------------------------
    def add(self, fm: FileModel) -> None:
        self.files[fm.path] = fm
        touched: dict[int, list[Definition]] = {}
        for d in fm.defs:
            lst = self.defs[d.kind].setdefault(d.key, [])
            lst.append(d)
            if len(lst) > 1:
                touched[id(lst)] = lst
        for lst in touched.values():
            # The same order whatever order files were loaded or edited in (each list sorted
            # once per file, not once per definition: one file may define a name k times).
            lst.sort(key=_def_order)
        for alias, key in fm.aliases.items():
            sources = self._alias_sources.setdefault(alias, [])
            sources.append((fm.path, key))
            sources.sort()
            self.aliases[alias] = [k for _p, k in sources]
        if not fm.has_use and not fm.is_dbml:
            # The multi-team default (§3): a .dbmt file without `use` lines sees every name.
            # A .dbml file keeps DBML's meaning: without `use` it sees its own names only.
            self.no_use_files.add(fm.path)
        self._scopes.clear()
        self._aliases = None

    def remove(self, path: str, keep_slot: bool = False) -> FileModel | None:
        """Forget a file's definitions. keep_slot: it is about to be re-added, so it keeps its
        place in `files` (scans over files then see the same order as a fresh load)."""
        fm = self.files.get(path) if keep_slot else self.files.pop(path, None)
        if fm is None:
            return None
        for kind, key in {(d.kind, d.key): None for d in fm.defs}:
            lst = self.defs[kind].get(key)
            if lst is not None:
                lst[:] = [x for x in lst if x.path != path]
                if not lst:
                    del self.defs[kind][key]
        for alias in fm.aliases:
            sources = [src for src in self._alias_sources.get(alias, ()) if src[0] != path]
            if sources:
                self._alias_sources[alias] = sources
                self.aliases[alias] = [k for _p, k in sources]
            else:
                self._alias_sources.pop(alias, None)
                self.aliases.pop(alias, None)
        self.no_use_files.discard(path)
        self._scopes.clear()
        self._aliases = None
        return fm

    # -- visibility ------------------------------------------------------------------
    def exports(self, path: str, seen: set[str] | None = None) -> dict[tuple[str, str], list[Definition]]:
        """Names a file offers to `use`: its own definitions and what it `reuse`s."""
        fm = self.files.get(path)
        out: dict[tuple[str, str], list[Definition]] = {}
        if fm is None:
            return out
        for d in fm.defs:
            out.setdefault((d.kind, d.key), []).append(d)
        seen = (seen or set()) | {path}
        for imp in fm.imports:
            if not imp.reexport or imp.target is None or imp.target in seen:
                continue
            for k, v in imported(imp, self.exports(imp.target, seen)):
                have = out.setdefault(k, [])
                have.extend(x for x in v if x not in have)
        return out

    def scope(self, path: str) -> dict[tuple[str, str], list[Definition]] | None:
        """The names a file sees: its own and what its `use` lines import (None: a .dbmt file
        without `use` lines, which sees the whole workspace)."""
        if path in self.no_use_files or path not in self.files:
            return None
        sc = self._scopes.get(path)
        if sc is not None:
            return sc
        fm = self.files[path]
        sc = {}
        for d in fm.defs:
            sc.setdefault((d.kind, d.key), []).append(d)
        for imp in fm.imports:
            if imp.target is None:
                continue
            for k, v in imported(imp, self.exports(imp.target, {path})):
                sc.setdefault(k, []).extend(v)
        self._scopes[path] = sc
        return sc

    def visible(self, path: str, kind: str, key: str) -> list[Definition]:
        found = self._visible(path, kind, key)
        if self.recording is not None:
            self.recording.add(f"{kind}:{key}")
            # Found under another name (an alias, an import alias): its own key too, whose
            # signature is the definition's text.
            for d in found:
                if d.key != key:
                    self.recording.add(f"{d.kind}:{d.key}")
        if len(found) > 1 and kind == "table":
            # A declared table (an `%events_for` table, say) comes before a generated one.
            found = sorted(found, key=lambda d: d.element.generated_for is not None)
        return found

    def _visible(self, path: str, kind: str, key: str) -> list[Definition]:
        sc = self.scope(path)
        if sc is None:
            found = self.defs[kind].get(key, [])
            if not found and kind == "table":
                # A table alias (`Table users as U`) names the table too.
                for target in self.aliases.get(key.split(".", 1)[1] if key.startswith("public.") else key, ()):
                    found = self.defs["table"].get(target, [])
                    if found:
                        break
            return found
        found = sc.get((kind, key), [])
        if not found and kind == "table":
            fm = self.files[path]
            alias = key.split(".", 1)[1] if key.startswith("public.") else key
            target = fm.aliases.get(alias)
            if target:
                found = sc.get(("table", target), [])
        return found

    def visible_names(self, path: str, kind: str) -> list[str]:
        sc = self.scope(path)
        if sc is None:
            return list(self.defs[kind].keys())
        return [k for (kd, k) in sc.keys() if kd == kind]

    def import_aliases(self, kind: str, name: str) -> set[str]:
        """Every other name a table or enum called `name` (last part) goes by somewhere through
        `use`/`reuse … as` (transitively: `reuse { table users as u }`, then `use { table u as
        v }`). Files sign what they mention by the name they use; a reader of `name` depends on
        these too. Depend on `aliases:*` when using this (Index.aliases are `Table x as y` aliases)."""
        if self._aliases is None:
            edges: dict[tuple[str, str], set[str]] = {}
            for fm in self.files.values():
                for imp in fm.imports:
                    if imp.kind in ("table", "enum") and imp.spec is not None and imp.spec.alias is not None:
                        edges.setdefault((imp.kind, imp.spec.qname.last.text), set()).add(imp.spec.alias.text)
            self._aliases = edges
        out: set[str] = set()
        todo = [name]
        while todo:
            for a in self._aliases.get((kind, todo.pop()), ()):
                if a not in out and a != name:
                    out.add(a)
                    todo.append(a)
        return out

    def definition(self, ref: tuple) -> Definition | None:
        """The current Definition a `Definition.ref` names, or None if it is gone."""
        path, kind, key, ordinal = ref
        for d in self.defs[kind].get(key, ()):
            if d.path == path and d.ordinal == ordinal:
                return d
        return None

    def all_defs(self, kind: str):
        for lst in self.defs[kind].values():
            yield from lst
