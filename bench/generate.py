#!/usr/bin/env python3
"""Seeded, deterministic generator of realistic dbmt workspaces for the benchmark (issue 4).

    python bench/generate.py --tables N --files F --seed S --out DIR [--single-file]
                             [--plain-keep-use] [--use-style block|single]

Writes DIR/team_XX.dbmt (or DIR/workspace.dbmt with --single-file) plus DIR/dbmt.toml, the
plain-DBML equivalent in DIR.plain/all.dbml (every mark removed, `use` lines dropped, all files
concatenated: the anchor compiles one file) or, with --plain-keep-use, DIR.plain/team_XX.dbml
keeping the `use` lines, and DIR.manifest.json (positions the harness needs: name uses for
go-to-definition, column-type slots for completion, enum variants other files use).

The workspace is meant to be clean for `dbmt-lsp --check` (no diagnostic at all, not even a
warning), so every rule of the language brief is designed in rather than hoped for:
- names (tables, enums, groups, refs, indexes, extension variants) are unique workspace-wide: a
  per-team prefix (`t03_…`, `T03…`) makes them so;
- every file with more than one team imports what it uses, and only names really defined in the
  file it names; every file has at least one `use` line (so that a file never "sees everything");
- a reference always points to a table earlier in a global order (the reference graph, and hence
  the events DAG, is acyclic) and has the type of the target's primary key (no DBMT605);
- extension tables have a single-column primary key, reference nothing (no DBMT311), live in
  their enum's file, and declare attribute columns whose type is a function of the name (no
  DBMT308 contract conflict whatever combinations are legal);
- constraint marks are added one by one and kept only while every variant stays alive (the
  smallest combination containing a variant — its `requires` closure plus the required
  variants — is legal: exact, because the other marks only ever forbid supersets), `requires`
  stays acyclic, and every `%extensions_compatible` list is itself a legal combination;
  when the legal-combination bound exceeds 1024 the enum carries `%extension_limit`;
- a table belongs to at most one TableGroup (plain DBML's rule; no DBMT403) and
  `%require_columns` groups only hold members declaring those columns with one type;
- no declared column collides with generated ones (`opt_to_*`, `ext`, `action`, events ids).
The text is ASCII only, so character offsets in the manifest equal byte offsets.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass, field

GENERATOR_VERSION = 3  # bump when the output changes: run.py keys its cache on it

# --------------------------------------------------------------------------- word pools

QUALIFIERS = """customer vendor product order invoice payment shipment warehouse account user
session device sensor firmware route ticket contract campaign report audit supplier partner
store region catalog price discount coupon refund return delivery carrier driver vehicle
employee team project task budget ledger asset license plan feature review""".split()

NOUNS = """records items entries logs lines settings profiles orders payments batches snapshots
assignments details histories metrics attachments comments versions periods slots rules
limits quotas tags labels counters readings targets schedules approvals requests reminders
tokens keys""".split()

RELATION_NOUNS = "links assignments memberships mappings subscriptions pairings".split()

SCHEMAS = "core sales billing ops inventory auth analytics hr logistics support".split()

ENUM_THINGS = """status state kind level stage phase channel source category tier mode
priority""".split()

ENUM_VARIANTS = """pending active inactive archived draft approved rejected cancelled closed open
blocked retired queued running failed done low medium high urgent standard premium basic trial
manual automatic internal external primary secondary new used refurbished""".split()

EXT_THINGS = """Accessory Shoe Device Plan Vehicle Payment Sensor Service Product Account Module
Channel Policy Tool Sku Bundle Kit Option Addon Feature""".split()

EXT_A = """Heated Skiing Running Led Gps Solar Bluetooth Waterproof Reflective Thermal Carbon
Smart Cushion Trail Racing Night Winter Summer Pro Eco Turbo Silent Rapid Secure""".split()
EXT_B = """Grip Sole Lamp Tracker Panel Link Shell Strap Sensor Cell Frame Chip Mesh Pad Lock
Mount Fan Dock Cover Kit""".split()

# attribute columns of extension tables: the type is a function of the name (no DBMT308)
EXT_ATTRS = [
    ("max_temperature", "u32"), ("battery_mah", "int"), ("firmware_version", "varchar(255)"),
    ("calibrated_at", "timestamp"), ("enabled", "boolean"), ("range_meters", "decimal(10,2)"),
    ("vendor_code", "varchar(255)"), ("weight_grams", "u32"), ("spec_notes", "text"),
    ("serial_no", "bigint"), ("threshold", "decimal(10,2)"), ("operating_mode", "varchar(255)"),
    ("warranty_months", "int"), ("power_watts", "u32"), ("certified", "boolean"),
]

# (name, type, settings) of ordinary data columns
DATA_COLUMNS = [
    ("name", "varchar(255)", ["not null"]),
    ("title", "varchar(255)", []),
    ("description", "text", []),
    ("code", "varchar(255)", ["unique", "not null"]),
    ("amount", "decimal(10,2)", ["not null", "default: 0", "check: `amount >= 0`"]),
    ("price", "decimal(10,2)", ["default: 0.00"]),
    ("quantity", "int", ["not null", "default: 0"]),
    ("is_active", "boolean", ["default: true"]),
    ("is_deleted", "boolean", ["not null", "default: false"]),
    ("priority", "int", []),
    ("weight_grams", "u32", []),
    ("sequence_no", "bigint", []),
    ("external_key", "key_t", []),
    ("email", "varchar(255)", []),
    ("phone", "varchar(255)", []),
    ("url", "text", []),
    ("comment", "text", []),
    ("started_at", "timestamp", []),
    ("ended_at", "timestamp", []),
    ("version", "int", ["not null", "default: 1"]),
    ("ratio", "decimal(10,2)", []),
    ("label", "varchar(255)", ["default: 'none'"]),
    ("payload", "text", []),
    ("locale", "varchar(255)", ["default: 'en'"]),
    ("score", "bigint", ["default: 0"]),
    ("flags", "u32", ["default: 0"]),
    ("checksum", "varchar(255)", []),
    ("retries", "int", ["default: 0", "check: `retries >= 0`"]),
    ("owner_key", "key_t", []),
    ("valid_from", "timestamp", []),
    ("valid_until", "timestamp", []),
    ("currency", "varchar(255)", ["default: 'EUR'"]),
]
DATA_TYPES = ["int", "bigint", "varchar(255)", "text", "decimal(10,2)", "boolean", "timestamp",
              "u32", "key_t"]

NOTE_WORDS = """stores tracks keeps the current latest state of each per row one for every
recorded by team used when a an in at to billing reporting audit sync import export nightly
job service owner which and value values reference lookup customer facing internal only""".split()

ACCESS_LEVELS = ["public", "internal", "confidential", "restricted"]
PK_TYPES = ["int", "bigint", "key_t"]

RESERVED_COLUMNS = {"ext", "action", "id"}


# --------------------------------------------------------------------------- helpers

def snake(name: str) -> str:
    """The brief's snake(): SkeeingExt -> skeeing_ext, LEDShoes -> led_shoes."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def singular(name: str) -> str:
    """The brief's singular(): drop one trailing s unless the name ends in ss."""
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def sentence(rng: random.Random, lo: int = 4, hi: int = 10) -> str:
    words = [rng.choice(NOTE_WORDS) for _ in range(rng.randint(lo, hi))]
    return (" ".join(words)).capitalize()


@dataclass
class Column:
    name: str
    type: str
    settings: list[str] = field(default_factory=list)
    ref: "Table | None" = None        # many-to-one reference to ref.id
    ref_style: str = "inline"         # inline | toplevel
    ref_settings: str = ""
    mark: str = ""                    # column mark, e.g. "%relation_source"
    enum_use: "tuple[Enum, str] | None" = None   # (enum, variant) used by `default: E.v`


@dataclass
class Table:
    gid: int                          # global order: references only go to lower gids
    team: int
    name: str
    schema: str | None
    kind: str                         # plain | relation | ext
    pk_type: str
    columns: list[Column] = field(default_factory=list)
    block_marks: list[str] = field(default_factory=list)
    tail_marks: list[str] = field(default_factory=list)   # marks placed after the columns
    inline_first_mark: bool = False   # `Table X { %relation` on the opening line
    note: str = ""
    note_lines: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    supports: "Enum | None" = None
    claims: "tuple[Enum, str] | None" = None
    events_clone: str | None = None   # None: no; "": default name; else the explicit name
    audit: bool = False

    @property
    def qname(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass
class Enum:
    team: int
    name: str
    variants: list[tuple[str, str]]   # (name, note or "")
    ext: bool = False
    marks: list[str] = field(default_factory=list)
    tables: dict = field(default_factory=dict)   # variant -> Table (extension enums)


@dataclass
class Group:
    name: str
    members: list[Table]
    marks: list[str]
    note: str


@dataclass
class Team:
    idx: int
    prefix: str                       # t03
    cprefix: str                      # T03
    fname: str                        # team_03
    schema: str | None
    n_tables: int
    enums: list[Enum] = field(default_factory=list)
    ext_enums: list[Enum] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)      # non-extension tables, in order
    ext_tables: list[Table] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    refs: list[tuple[str, Table, Column]] = field(default_factory=list)  # top-level Refs
    table_sources: list[int] = field(default_factory=list)
    enum_sources: list[int] = field(default_factory=list)
    # imports: source team -> {"table": [qnames], "enum": [names]} (insertion-ordered)
    imports: dict = field(default_factory=dict)
    star_imports: list[int] = field(default_factory=list)
    used_names: set = field(default_factory=set)


# --------------------------------------------------------------------------- constraints

class Constraints:
    """Constraint marks of one extension enum, kept satisfiable, acyclic and dead-variant-free."""

    def __init__(self, variants: list[str]):
        self.variants = variants
        self.exclusive: list[list[str]] = []
        self.requires: dict[str, list[str]] = {}
        self.requires_order: list[str] = []
        self.incompatible: list[list[str]] = []
        self.compatible: list[list[str]] = []
        self.required: list[str] = []

    def closure(self, vs) -> set[str]:
        out, todo = set(), list(vs)
        while todo:
            v = todo.pop()
            if v in out:
                continue
            out.add(v)
            todo.extend(self.requires.get(v, ()))
        return out

    def legal(self, combo: set[str], skip_compatible: bool = False) -> bool:
        for ex in self.exclusive:
            if sum(1 for v in ex if v in combo) > 1:
                return False
        for s, ts in self.requires.items():
            if s in combo and any(t not in combo for t in ts):
                return False
        for inc in self.incompatible:
            if all(v in combo for v in inc):
                return False
        if any(r not in combo for r in self.required):
            return False
        if self.compatible and not skip_compatible and len(combo) >= 2:
            if not any(combo <= set(lst) for lst in self.compatible):
                return False
        return True

    def all_alive(self) -> bool:
        base = self.closure(self.required)
        if not self.legal(base):
            return False
        return all(self.legal(self.closure([v]) | base) for v in self.variants)

    def acyclic(self) -> bool:
        state: dict[str, int] = {}

        def visit(v: str) -> bool:
            state[v] = 1
            for t in self.requires.get(v, ()):
                st = state.get(t, 0)
                if st == 1 or (st == 0 and not visit(t)):
                    return False
            state[v] = 2
            return True

        return all(state.get(v, 0) == 2 or visit(v) for v in self.variants)

    def try_add(self, kind: str, args: list[str]) -> bool:
        """Add a mark if the set stays acyclic, satisfiable, with no dead variant."""
        return self.try_add_many([(kind, args)])

    def try_add_many(self, marks: list[tuple[str, list[str]]]) -> bool:
        """Add marks together (a whitelist only makes sense whole), or none of them."""
        snapshot = (list(self.exclusive), {k: list(v) for k, v in self.requires.items()},
                    list(self.requires_order), list(self.incompatible), list(self.compatible),
                    list(self.required))
        ok = True
        for kind, args in marks:
            if kind == "exclusive":
                self.exclusive.append(args)
            elif kind == "requires":
                s, ts = args[0], args[1:]
                if s in self.requires:
                    ok = False
                self.requires[s] = ts
                self.requires_order.append(s)
            elif kind == "incompatible":
                self.incompatible.append(args)
            elif kind == "compatible":
                self.compatible.append(args)
            elif kind == "required":
                self.required.extend(args)
        ok = ok and self.acyclic() and self.all_alive()
        if ok and self.compatible:
            # DBMT307: every whitelisted list must itself be a legal combination
            ok = all(self.legal(set(lst), skip_compatible=True) for lst in self.compatible)
        if not ok:
            (self.exclusive, self.requires, self.requires_order, self.incompatible,
             self.compatible, self.required) = snapshot
        return ok

    def bound(self) -> int:
        """An upper bound of the number of legal combinations (never enumerates)."""
        # exclusive marks are disjoint by construction: each group contributes (size + 1)
        in_group = {v for ex in self.exclusive for v in ex}
        b = 1
        for ex in self.exclusive:
            b *= len(ex) + 1
        b *= 2 ** (len(self.variants) - len(in_group))
        if self.compatible:
            b = min(b, 1 + len(self.variants) + sum(2 ** len(lst) for lst in self.compatible))
        return b


def plan_constraints(rng: random.Random, variants: list[str]) -> list[str]:
    """Human-shaped constraint marks for an extension enum (in the order they are written)."""
    n = len(variants)
    c = Constraints(variants)
    marks: list[str] = []
    if n <= 8 and rng.random() < 0.2:
        return ["%extension_exclusive ALL_EXTS"]  # n + 1 legal combinations
    # exclusive groups: a partition of part of the variants
    order = list(variants)
    rng.shuffle(order)
    i = 0
    while i < n:
        size = rng.choice([1, 1, 1, 2, 2, 3, 4])
        grp = order[i:i + size]
        i += size
        if len(grp) >= 2:
            grp.sort(key=variants.index)
            if c.try_add("exclusive", grp):
                marks.append("%extension_exclusive " + " ".join(grp))
    # a required variant, rarely: one that no other mark names yet
    named = {v for ex in c.exclusive for v in ex}
    if n >= 5 and rng.random() < 0.12:
        free = [v for v in variants if v not in named]
        if free:
            x = rng.choice(free)
            if c.try_add("required", [x]):
                marks.append(f"%extensions_required {x}")
    # requires: a few sources, each requiring 1-2 sinks
    for _ in range(max(1, n // 5)):
        s = rng.choice(variants)
        sinks = rng.sample(variants, k=min(n - 1, rng.choice([1, 1, 2])))
        sinks = [t for t in sinks if t != s]
        if not sinks or s in c.requires:
            continue
        sinks.sort(key=variants.index)
        if c.try_add("requires", [s] + sinks):
            marks.append("%extension_requires " + " ".join([s] + sinks))
    # incompatible sets of 2-3 variants
    for _ in range(max(0, n // 8) + (1 if rng.random() < 0.5 else 0)):
        k = min(n, rng.choice([2, 2, 3]))
        if k < 2:
            break
        vs = sorted(rng.sample(variants, k=k), key=variants.index)
        if c.try_add("incompatible", vs):
            marks.append("%extensions_incompatible " + " ".join(vs))
    # a whitelist, sometimes, on small enums without required variants: the lists are the
    # multi-variant minimal combinations (closures), which keeps every variant alive
    if n <= 12 and not c.required and rng.random() < 0.15:
        lists = []
        for v in variants:
            cl = c.closure([v])
            if len(cl) >= 2:
                lst = sorted(cl, key=variants.index)
                if lst not in lists:
                    lists.append(lst)
        if not lists:
            pair = sorted(rng.sample(variants, k=2), key=variants.index)
            lists.append(pair)
        if c.try_add_many([("compatible", lst) for lst in lists]):
            marks.extend("%extensions_compatible " + " ".join(lst) for lst in lists)
    if not c.all_alive():  # cannot happen: every add was checked
        raise AssertionError("constraint planning produced a dead variant")
    b = c.bound()
    if b > 1024:
        marks.append(f"%extension_limit {1 << (b - 1).bit_length()}")
    return marks


# --------------------------------------------------------------------------- planning

class Planner:
    def __init__(self, n_tables: int, n_files: int, seed: int):
        if n_files < 1 or n_tables < 1:
            raise SystemExit("generate.py: --tables and --files must be >= 1")
        if n_files > n_tables:
            raise SystemExit("generate.py: --files must not exceed --tables")
        self.rng = random.Random(seed)
        self.n_tables = n_tables
        self.n_files = n_files
        self.seed = seed
        width = max(2, len(str(n_files - 1)))
        self.teams: list[Team] = []
        sizes = self.team_sizes(n_tables, n_files)
        for i in range(n_files):
            schema = self.rng.choice(SCHEMAS) if self.rng.random() < 0.6 else None
            self.teams.append(Team(
                idx=i, prefix=f"t{i:0{width}d}", cprefix=f"T{i:0{width}d}",
                fname=f"team_{i:0{width}d}", schema=schema,
                n_tables=sizes[i]))
        self.largest = max(range(n_files), key=lambda i: (sizes[i], -i))
        self.gid = 0
        self.variant_users: dict[tuple[str, str], list[int]] = {}

    def team_sizes(self, n: int, f: int) -> list[int]:
        """A few big platform teams and a long tail (Zipf-like, exponent 0.8), shuffled."""
        weights = [1 / (r + 1) ** 0.8 for r in range(f)]
        self.rng.shuffle(weights)
        floor = 2 if n >= 2 * f else 1
        spare = n - floor * f
        total = sum(weights)
        raw = [spare * w / total for w in weights]
        sizes = [floor + int(x) for x in raw]
        rest = n - sum(sizes)
        for i in sorted(range(f), key=lambda i: (-(raw[i] - int(raw[i])), i))[:rest]:
            sizes[i] += 1
        return sizes

    # -- names
    def _unique(self, used: set, make) -> str:
        for attempt in range(200):
            name = make(attempt)
            if name not in used:
                used.add(name)
                return name
        raise AssertionError("name space exhausted")

    def table_name(self, team: Team, nouns=NOUNS) -> str:
        rng = self.rng

        def make(attempt):
            base = f"{team.prefix}_{rng.choice(QUALIFIERS)}_{rng.choice(nouns)}"
            if attempt > 20:  # pool exhausted for big teams: add a number before the noun
                q, nn = rng.choice(QUALIFIERS), rng.choice(nouns)
                base = f"{team.prefix}_{q}{rng.randint(2, 999)}_{nn}"
            return base
        return self._unique(team.used_names, make)

    def new_table(self, team: Team, name: str, kind: str, schema: str | None, pk: str) -> Table:
        t = Table(gid=self.gid, team=team.idx, name=name, schema=schema, kind=kind, pk_type=pk)
        self.gid += 1
        return t

    # -- the plan
    def plan(self) -> None:
        for team in self.teams:
            self.plan_enums(team)
        for team in self.teams:
            self.plan_sources(team)
        for team in self.teams:
            self.plan_tables(team)
        self.plan_supporters()
        for team in self.teams:
            self.plan_columns(team)
        for team in self.teams:
            self.plan_groups(team)
        for team in self.teams:
            self.ensure_use(team)

    def plan_enums(self, team: Team) -> None:
        rng = self.rng
        n_regular = max(1, round(team.n_tables / 8))
        for _ in range(n_regular):
            name = self._unique(team.used_names, lambda a: f"{team.prefix}_{rng.choice(QUALIFIERS)}_{rng.choice(ENUM_THINGS)}")
            vs = rng.sample(ENUM_VARIANTS, k=rng.randint(3, 7))
            variants = [(v, sentence(rng, 3, 8) if rng.random() < 0.5 else "") for v in vs]
            team.enums.append(Enum(team=team.idx, name=name, variants=variants))
        # extension enums: each costs one table per variant, in this team
        budget = team.n_tables // 2
        variant_snakes: set[str] = set()
        while budget >= 3 and rng.random() < (0.6 if not team.ext_enums else 0.3):
            r = rng.random()
            if team.idx == self.largest and not team.ext_enums:
                k = 64  # the biggest team always owns the widest extension enum
            elif r < 0.7:
                k = rng.randint(3, 6)
            elif r < 0.9:
                k = rng.randint(7, 16)
            else:
                k = rng.randint(17, 64)
            k = min(k, budget)
            budget -= k
            ename = self._unique(team.used_names, lambda a: f"{team.cprefix}{rng.choice(EXT_THINGS)}ExtType" if a < 20 else f"{team.cprefix}{rng.choice(EXT_THINGS)}{a}ExtType")
            variants: list[str] = []
            while len(variants) < k:
                v = f"{rng.choice(EXT_A)}{rng.choice(EXT_B)}Ext"
                if snake(v) in variant_snakes:
                    continue
                variant_snakes.add(snake(v))
                variants.append(v)
            e = Enum(team=team.idx, name=ename,
                     variants=[(v, sentence(rng, 3, 6) if rng.random() < 0.3 else "") for v in variants],
                     ext=True)
            e.marks = plan_constraints(rng, variants)
            team.ext_enums.append(e)
            for v in variants:
                tname = f"{team.prefix}_{snake(v)}"
                team.used_names.add(tname)
                t = self.new_table(team, tname, "ext", None, "key_t")
                t.claims = (e, v)
                e.tables[v] = t
                team.ext_tables.append(t)

    def plan_sources(self, team: Team) -> None:
        rng = self.rng
        i = team.idx
        if self.n_files == 1:
            return
        if i > 0:
            srcs = [i - 1]
            lo = max(0, i - 20)
            for _ in range(rng.randint(0, 2)):
                if i - 2 >= lo:
                    j = rng.randint(lo, i - 2)
                    if j not in srcs:
                        srcs.append(j)
            team.table_sources = srcs
        others = [j for j in range(self.n_files) if j != i]
        esrc = []
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.5:
                popular = [j for j in range(min(self.n_files, 5)) if j != i]
                j = rng.choice(popular) if popular else rng.choice(others)
            else:
                j = rng.choice(others)
            if j not in esrc:
                esrc.append(j)
        team.enum_sources = esrc

    def plan_tables(self, team: Team) -> None:
        rng = self.rng
        n = team.n_tables - len(team.ext_tables)
        for _ in range(n):
            kind = "relation" if rng.random() < 0.08 else "plain"
            name = self.table_name(team, RELATION_NOUNS if kind == "relation" else NOUNS)
            schema = team.schema if (team.schema and rng.random() < 0.5) else None
            pk = "key_t" if kind == "relation" else rng.choice(PK_TYPES)
            team.tables.append(self.new_table(team, name, kind, schema, pk))

    def plan_supporters(self) -> None:
        """Each extension enum gets a supporter in its own team and sometimes one elsewhere."""
        rng = self.rng
        for team in self.teams:
            for e in team.ext_enums:
                cands = [t for t in team.tables if t.supports is None]
                if cands:
                    rng.choice(cands).supports = e
                if self.n_files > 1 and rng.random() < 0.3:
                    other = self.teams[rng.choice([j for j in range(self.n_files) if j != team.idx])]
                    cands = [t for t in other.tables if t.supports is None]
                    if cands:
                        t = rng.choice(cands)
                        t.supports = e
                        # the enum and its extension tables (targets of the generated columns)
                        names = [("enum", e.name)] + [("table", x.qname) for x in e.tables.values()]
                        if len(names) > 12:
                            if team.idx not in other.star_imports:
                                other.star_imports.append(team.idx)
                        else:
                            for kind, nm in names:
                                self.add_import(other, team.idx, kind, nm)

    def add_import(self, team: Team, src: int, kind: str, name: str) -> None:
        if src == team.idx or self.n_files == 1:
            return
        d = team.imports.setdefault(src, {"table": [], "enum": []})
        if name not in d[kind]:
            d[kind].append(name)

    def visible_enums(self, team: Team) -> list[Enum]:
        out = list(team.enums)
        for j in team.enum_sources:
            out.extend(self.teams[j].enums)
        return out

    def plan_columns(self, team: Team) -> None:
        rng = self.rng
        # FK candidates: earlier non-extension tables of this team and of its table sources
        imported = [t for j in team.table_sources for t in self.teams[j].tables]
        local: list[Table] = []
        for t in team.tables:
            cols: list[Column] = []
            names: set[str] = set(RESERVED_COLUMNS)
            pk_settings = ["pk", "increment"] if t.pk_type in ("int", "bigint") and rng.random() < 0.6 else ["pk"]
            cols.append(Column("id", t.pk_type, pk_settings))
            target_count = rng.randint(8, 15)
            # references
            n_refs = 2 + rng.randint(0, 1) if t.kind == "relation" else rng.choice([0, 1, 1, 2, 2, 3])
            pool_local = local[-40:]
            pool_imp = imported
            targets: list[Table] = []
            for _ in range(n_refs * 3):
                if len(targets) >= n_refs:
                    break
                use_imp = pool_imp and (not pool_local or rng.random() < 0.45)
                pool = pool_imp if use_imp else pool_local
                if not pool:
                    break
                cand = rng.choice(pool)
                if cand in targets or singular(cand.name) + "_id" in names:
                    continue
                targets.append(cand)
            if t.kind == "relation" and len(targets) < 2:
                t.kind = "plain"
                t.name = t.name  # keeps its (relation-flavoured) name
            for k, tgt in enumerate(targets):
                cname = singular(tgt.name) + "_id"
                names.add(cname)
                col = Column(cname, tgt.pk_type, ["not null"] if rng.random() < 0.5 else [], ref=tgt)
                if t.kind == "relation" and k == 0:
                    col.mark = "%relation_source"
                    col.ref_style = "inline"
                elif rng.random() < 0.35:
                    col.ref_style = "toplevel"
                    col.ref_settings = rng.choice(["[delete: cascade]", "[delete: cascade]", "[update: cascade]", "", "[delete: set null]"])
                if tgt.team != team.idx:
                    self.add_import(team, tgt.team, "table", tgt.qname)
                cols.append(col)
            # enum-typed columns
            enums = self.visible_enums(team)
            for _ in range(rng.choice([0, 1, 1, 2])):
                e = rng.choice(enums)
                cname = e.name.split("_", 1)[1]
                if cname in names:
                    cname = f"{cname}_{len(cols)}"
                names.add(cname)
                col = Column(cname, e.name, [])
                if rng.random() < 0.7:
                    v = rng.choice(e.variants)[0]
                    col.settings = ["not null", f"default: {e.name}.{v}"]
                    col.enum_use = (e, v)
                    self.variant_users.setdefault((e.name, v), [])
                    if team.idx not in self.variant_users[(e.name, v)]:
                        self.variant_users[(e.name, v)].append(team.idx)
                if e.team != team.idx:
                    self.add_import(team, e.team, "enum", e.name)
                cols.append(col)
            # audit columns (what %require_columns groups ask for)
            t.audit = rng.random() < 0.6
            tail: list[Column] = []
            if t.audit:
                tail = [Column("created_at", "timestamp", ["not null", "default: `now()`"]),
                        Column("updated_at", "timestamp", [])]
                names.update(("created_at", "updated_at"))
            # data columns up to the target width
            data = [d for d in DATA_COLUMNS if d[0] not in names]
            rng.shuffle(data)
            for dname, dtype, dset in data:
                if len(cols) + len(tail) >= target_count:
                    break
                settings = list(dset)
                if rng.random() < 0.55:
                    settings.append(f"note: '{sentence(rng, 4, 14)}'")
                cols.append(Column(dname, dtype, settings))
                names.add(dname)
            cols.extend(tail)
            t.columns = cols
            # indexes over data columns
            plain_cols = [c.name for c in cols[1:] if c.ref is None]
            if len(plain_cols) >= 3 and rng.random() < 0.65:
                a, b, c3 = rng.sample(plain_cols, 3)
                t.indexes.append(f"({a}, {b}) [unique]" if rng.random() < 0.5 else f"({a}, {b})")
                t.indexes.append(f"{c3} [name: 'idx_{t.name}_{c3}']")
                if t.audit and "created_at" not in (a, b, c3) and rng.random() < 0.5:
                    t.indexes.append("created_at [type: btree]")
            r = rng.random()
            if r < 0.45:
                t.note = sentence(rng, 8, 20)
            elif r < 0.95:  # a multi-line note: documentation the team keeps with the table
                t.note_lines = [sentence(rng, 8, 14) + "." for _ in range(rng.randint(2, 6))]
            # marks
            if t.kind == "relation":
                t.block_marks.append("%relation")
                t.inline_first_mark = rng.random() < 0.1
            if t.supports is not None:
                e = t.supports
                t.block_marks.append(f"%extension {e.name}")
                if rng.random() < 0.5:
                    t.block_marks.append("%extension_validate " + " ".join(rng.sample(["init", "write", "read"], rng.randint(1, 3))))
            if rng.random() < 0.05:
                t.events_clone = "" if rng.random() < 0.6 else f"{t.name}_event_log"
                mark = "%events_clone" + (f" {t.events_clone}" if t.events_clone else "")
                (t.tail_marks if rng.random() < 0.3 else t.block_marks).append(mark)
            # top-level refs
            for col in cols:
                if col.ref is not None and col.ref_style == "toplevel":
                    team.refs.append((f"fk_{t.name}_{col.name}", t, col))
            local.append(t)
        # extension tables: id + attribute columns
        for t in team.ext_tables:
            e, v = t.claims
            t.block_marks.append(f"%extension_enum {e.name}.{v}")
            t.columns = [Column("id", "key_t", ["pk"])]
            for aname, atype in rng.sample(EXT_ATTRS, rng.randint(2, 7)):
                settings = [f"note: '{sentence(rng, 4, 10)}'"] if rng.random() < 0.4 else []
                t.columns.append(Column(aname, atype, settings))
            if rng.random() < 0.6:
                t.note = f"Extension {v} of {e.name}: {sentence(rng, 3, 8).lower()}"

    def plan_groups(self, team: Team) -> None:
        rng = self.rng
        free = [t for t in team.tables]
        rng.shuffle(free)
        n_groups = max(0, min(3, len(free) // 6)) if len(free) >= 4 else 0
        for _ in range(n_groups):
            require = rng.random() < 0.5
            cands = [t for t in free if t.audit] if require else list(free)
            size = rng.randint(2, 6)
            if len(cands) < 2:
                continue
            members = sorted(cands[:size], key=lambda x: x.gid)
            for m in members:
                free.remove(m)
            marks = []
            if require:
                marks.append("%require_columns created_at updated_at")
            if rng.random() < 0.6:
                marks.append(f"%access {rng.choice(ACCESS_LEVELS)}")
            name = self._unique(team.used_names, lambda a: f"{team.prefix}_{rng.choice(QUALIFIERS)}_group")
            team.groups.append(Group(name, members, marks, sentence(rng, 4, 9) if rng.random() < 0.5 else ""))

    def ensure_use(self, team: Team) -> None:
        """Every file of a multi-file workspace carries at least one use line."""
        if self.n_files == 1 or team.imports or team.star_imports:
            return
        j = team.enum_sources[0] if team.enum_sources else (team.idx + 1) % self.n_files
        src = self.teams[j]
        e = src.enums[0]
        # give the first table a column typed by that enum
        t = team.tables[0] if team.tables else None
        if t is not None:
            cname = e.name.split("_", 1)[1]
            if any(c.name == cname for c in t.columns):
                cname += "_ref"
            t.columns.insert(1, Column(cname, e.name, []))
        self.add_import(team, j, "enum", e.name)


# --------------------------------------------------------------------------- emission

class Out:
    """Text being built, with its running length (offsets for the manifest)."""

    def __init__(self):
        self.parts: list[str] = []
        self.pos = 0

    def w(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def text(self) -> str:
        return "".join(self.parts)


class Emitter:
    def __init__(self, planner: Planner, use_style: str):
        self.p = planner
        self.use_style = use_style

    def emit_team(self, team: Team, out: Out, marks: bool, uses: bool, rec) -> None:
        """Write one team's content. rec(kind, *data) records manifest positions (dbmt only)."""
        p = self.p
        out.w(f"// {team.fname}: schema owned by team {team.idx} (generated by bench/generate.py, seed {p.seed})\n")
        if uses:
            for src in team.star_imports:
                out.w(f"use * from './{p.teams[src].fname}'\n")
            for src, d in team.imports.items():
                if src in team.star_imports:
                    continue
                specs = [("table", n) for n in d["table"]] + [("enum", n) for n in d["enum"]]
                if not specs:
                    continue
                path = f"./{p.teams[src].fname}"
                if self.use_style == "single" or len(specs) == 1:
                    for kind, n in specs:
                        out.w(f"use {{ {kind} ")
                        rec("def", n)
                        out.w(f"{n} }} from '{path}'\n")
                else:
                    out.w("use {\n")
                    for kind, n in specs:
                        out.w(f"  {kind} ")
                        rec("def", n)
                        out.w(f"{n}\n")
                    out.w(f"}} from '{path}'\n")
            out.w("\n")
        if team.idx == 0:
            out.w("Project bench {\n  database_type: 'PostgreSQL'\n"
                  "  Note: 'Generated benchmark workspace: one file per team'\n}\n\n")
        for e in team.enums:
            out.w(f"Enum {e.name} {{\n")
            for v, note in e.variants:
                out.w("  ")
                rec("variant", e, v)
                out.w(v + (f" [note: '{note}']" if note else "") + "\n")
            out.w("}\n\n")
        for e in team.ext_enums:
            out.w(f"Enum {e.name} {{\n")
            for v, note in e.variants:
                out.w(f"  {v}" + (f" [note: '{note}']" if note else "") + "\n")
            if marks:
                for m in e.marks:
                    out.w(f"  {m}\n")
            out.w("}\n\n")
            for v, _ in e.variants:
                self.emit_table(e.tables[v], out, marks, rec)
        for t in team.tables:
            self.emit_table(t, out, marks, rec)
        for rname, t, col in team.refs:
            out.w(f"Ref {rname}: {t.qname}.{col.name} > ")
            rec("def", col.ref.qname)
            out.w(f"{col.ref.qname}.id" + (f" {col.ref_settings}" if col.ref_settings else "") + "\n")
        if team.refs:
            out.w("\n")
        for g in team.groups:
            out.w(f"TableGroup {g.name} {{\n")
            if marks:
                for m in g.marks:
                    out.w(f"  {m}\n")
            for m in g.members:
                out.w(f"  {m.qname}\n")
            if g.note:
                out.w(f"  Note: '{g.note}'\n")
            out.w("}\n\n")

    def emit_table(self, t: Table, out: Out, marks: bool, rec) -> None:
        bm = list(t.block_marks) if marks else []
        out.w(f"Table {t.qname} {{")
        if bm and t.inline_first_mark:
            out.w(f" {bm.pop(0)}")
        out.w("\n")
        for m in bm:
            if m.startswith("%extension ") or m.startswith("%extension_enum "):
                name_at = out.pos + m.index(" ") + 3  # "  %extension " -> the enum name
                out.w(f"  {m}\n")
                rec("def_at", name_at, m.split()[1].split(".")[0])
            else:
                out.w(f"  {m}\n")
        for c in t.columns:
            out.w(f"  {c.name} ")
            rec("type_slot", t, c)
            if c.type.split("(")[0] not in DATA_TYPES_SET:
                rec("def", c.type)
            out.w(c.type)
            settings = list(c.settings)
            if c.ref is not None and c.ref_style == "inline":
                out.w(" [" + ", ".join(settings + ["ref: > "]))
                rec("def", c.ref.qname)
                out.w(f"{c.ref.qname}.id]")
            elif settings:
                out.w(" [" + ", ".join(settings) + "]")
            if marks and c.mark:
                out.w(f" {c.mark}")
            out.w("\n")
        if t.indexes:
            out.w("  indexes {\n")
            for ix in t.indexes:
                out.w(f"    {ix}\n")
            out.w("  }\n")
        if marks:
            for m in t.tail_marks:
                out.w(f"  {m}\n")
        if t.note:
            out.w(f"  Note: '{t.note}'\n")
        elif t.note_lines:
            out.w("  Note: '''\n" + "".join(f"    {ln}\n" for ln in t.note_lines) + "  '''\n")
        out.w("}\n\n")


DATA_TYPES_SET = {"int", "bigint", "varchar", "text", "decimal", "boolean", "timestamp", "u32", "key_t"}


# --------------------------------------------------------------------------- main

def generate(n_tables: int, n_files: int, seed: int, out_dir: str, single_file: bool = False,
             plain_keep_use: bool = False, use_style: str = "block", quiet: bool = False) -> dict:
    t0 = time.perf_counter()
    planner = Planner(n_tables, n_files, seed)
    planner.plan()
    em = Emitter(planner, use_style)

    plain_dir = out_dir.rstrip("/") + ".plain"
    for d in (out_dir, plain_dir):
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    with open(os.path.join(out_dir, "dbmt.toml"), "w") as f:
        f.write("# Generated by bench/generate.py: the root of a benchmark workspace (defaults).\n")

    manifest: dict = {
        "generator_version": GENERATOR_VERSION,
        "params": {"tables": n_tables, "files": n_files, "seed": seed, "single_file": single_file},
        "files": [], "definitions": [], "completions": [], "variant_uses": [],
        "bytes": 0, "lines": 0,
    }
    rng = random.Random(seed + 7)
    defs: list = []
    comps: list = []
    variant_pos: dict = {}

    def make_rec(fname: str, out: Out):
        def rec(kind, *data):
            if kind == "def":
                defs.append((fname, out.pos, data[0]))
            elif kind == "def_at":
                defs.append((fname, data[0], data[1]))
            elif kind == "type_slot":
                comps.append((fname, out.pos))
            elif kind == "variant":
                e, v = data
                variant_pos[(e.name, v)] = (fname, out.pos)
        return rec

    def no_rec(kind, *data):
        pass

    total_bytes = total_lines = 0
    if single_file:
        out = Out()
        fname = "workspace.dbmt"
        rec = make_rec(fname, out)
        for team in planner.teams:
            em.emit_team(team, out, marks=True, uses=False, rec=rec)
        text = out.text()
        with open(os.path.join(out_dir, fname), "w") as f:
            f.write(text)
        manifest["files"].append(fname)
        total_bytes, total_lines = len(text), text.count("\n")
    else:
        for team in planner.teams:
            out = Out()
            fname = team.fname + ".dbmt"
            em.emit_team(team, out, marks=True, uses=n_files > 1, rec=make_rec(fname, out))
            text = out.text()
            with open(os.path.join(out_dir, fname), "w") as f:
                f.write(text)
            manifest["files"].append(fname)
            total_bytes += len(text)
            total_lines += text.count("\n")
    manifest["bytes"], manifest["lines"] = total_bytes, total_lines

    # plain DBML
    if plain_keep_use and not single_file:
        for team in planner.teams:
            out = Out()
            em.emit_team(team, out, marks=False, uses=n_files > 1, rec=no_rec)
            with open(os.path.join(plain_dir, team.fname + ".dbml"), "w") as f:
                f.write(out.text())
    else:
        out = Out()
        for team in planner.teams:
            em.emit_team(team, out, marks=False, uses=False, rec=no_rec)
        with open(os.path.join(plain_dir, "all.dbml"), "w") as f:
            f.write(out.text())
        manifest["plain_bytes"] = out.pos

    # manifest: samples of positions (all of them would be large at 20,000 tables)
    manifest["definitions"] = [list(d) for d in (rng.sample(defs, 2000) if len(defs) > 2000 else defs)]
    manifest["completions"] = [list(c) for c in (rng.sample(comps, 2000) if len(comps) > 2000 else comps)]
    uses = []
    for (ename, v), users in (planner.variant_users.items() if not single_file else ()):
        owner = next(e.team for t in planner.teams for e in t.enums if e.name == ename)
        others = [u for u in users if u != owner]
        if not others or (ename, v) not in variant_pos:
            continue
        fname, off = variant_pos[(ename, v)]
        importers_of_enum = sorted(
            t.fname + ".dbmt" for t in planner.teams
            if ename in t.imports.get(owner, {}).get("enum", ()) or owner in t.star_imports)
        uses.append({"enum": ename, "variant": v, "file": fname, "offset": off,
                     "owner_team": owner,
                     "user_files": [planner.teams[u].fname + ".dbmt" for u in sorted(others)],
                     "enum_importers": importers_of_enum})
    uses.sort(key=lambda u: (-len(u["user_files"]), u["enum"], u["variant"]))
    manifest["variant_uses"] = uses[:50]
    # which files import from which (for "only the affected files were re-checked")
    manifest["importers"] = {}
    if not single_file and n_files > 1:
        importers: dict[str, list[str]] = {}
        for team in planner.teams:
            for src in list(team.imports) + team.star_imports:
                importers.setdefault(planner.teams[src].fname + ".dbmt", []).append(team.fname + ".dbmt")
        manifest["importers"] = {k: sorted(set(v)) for k, v in sorted(importers.items())}
    stats = {
        "tables": sum(len(t.tables) + len(t.ext_tables) for t in planner.teams),
        "ext_enums": sum(len(t.ext_enums) for t in planner.teams),
        "ext_variants_max": max([len(e.variants) for t in planner.teams for e in t.ext_enums] or [0]),
        "relations": sum(1 for tm in planner.teams for t in tm.tables if t.kind == "relation"),
        "supporters": sum(1 for tm in planner.teams for t in tm.tables if t.supports is not None),
        "events_clone": sum(1 for tm in planner.teams for t in tm.tables if t.events_clone is not None),
        "groups": sum(len(t.groups) for t in planner.teams),
    }
    manifest["stats"] = stats  # deterministic: no timing in the manifest
    stats = dict(stats, seconds=round(time.perf_counter() - t0, 3))
    with open(out_dir.rstrip("/") + ".manifest.json", "w") as f:
        json.dump(manifest, f)
    if stats["tables"] != n_tables:
        raise AssertionError(f"planned {stats['tables']} tables, asked for {n_tables}")
    if not quiet:
        print(f"wrote {out_dir}: {len(manifest['files'])} file(s), {n_tables} tables, "
              f"{total_bytes / 1e6:.2f} MB, {total_lines} lines; plain: {plain_dir}; "
              f"{stats}", file=sys.stderr)
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=int, required=True, help="number of declared tables")
    ap.add_argument("--files", type=int, default=None, help="number of team files (default: tables/10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="workspace directory (replaced)")
    ap.add_argument("--single-file", action="store_true", help="write the workspace as one file")
    ap.add_argument("--plain-keep-use", action="store_true",
                    help="plain DBML as one .dbml file per team, keeping the use lines")
    ap.add_argument("--use-style", choices=["block", "single"], default="block",
                    help="block: one `use { … }` per source file, specifiers one per line "
                         "(what @dbml/parse accepts); single: one `use { kind name }` per name")
    a = ap.parse_args(argv)
    files = a.files if a.files is not None else max(1, round(a.tables / 10))
    generate(a.tables, files, a.seed, a.out, a.single_file, a.plain_keep_use, a.use_style)
    return 0


if __name__ == "__main__":
    sys.exit(main())
