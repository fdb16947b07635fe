"""§5 Table groups are traits: memberships across files, `%require_columns` (DBMT401/402),
`%access` (DBMT403/404), and DBML's one-group rule in `.dbml` files (DBMT105)."""

from __future__ import annotations

from collections import Counter

from ..suggest import close_matches
from ..workspace.index import Definition, qkey
from .context import RELATED_LIMIT, Ctx, Sized, display
from .facts import refresh
from .marks import valid_marks
from .relations import depend_on_mentions
from .registry import rule

ACCESS_LEVELS = ("public", "internal", "confidential", "restricted")  # least to most strict
STRICTNESS = {lvl: i for i, lvl in enumerate(ACCESS_LEVELS)}


MEMBERSHIPS = ("traits.memberships",)


def _memberships(ctx: Ctx):
    """Who lists whom, kept per file: slice ("table", table ref) → [(group def, the name it
    lists the table by)], slice ("group", group ref) → the member tables' refs in listing order.
    Members resolve from the group's file."""
    return refresh(ctx, MEMBERSHIPS, _groups_of_file(ctx))


def _groups_of_file(ctx: Ctx):
    def part(path: str, fm, add) -> None:
        for g in fm.defs:
            if g.kind != "group":
                continue
            gid = ("group",) + g.ref
            add(gid)
            members: set[int] = set()  # ids of the member elements so far
            for qn in g.element.tables:
                found, deps = ctx.resolve_from(g.path, "table", qkey(qn))
                if not found:
                    add(gid, None, deps)
                    continue
                t = found[0]
                if id(t.element) in members:
                    add(gid, None, deps)
                    continue
                members.add(id(t.element))
                add(gid, t.ref, deps)  # another file's table: by name, read back as it is now
                add(("table",) + t.ref, (g, qn), deps)

    return part


def memberships_of(ctx: Ctx, table_def: Definition) -> list[tuple[Definition, object]]:
    """(group, the name it lists the table by) for every TableGroup the table belongs to (any
    file), ordered by file then position."""
    depend_on_mentions(ctx, "groupmention", table_def)
    return _memberships(ctx).items(ctx, ("table",) + table_def.ref)


def groups_of(ctx: Ctx, table_def: Definition) -> list[Definition]:
    """The TableGroups a table belongs to (any file), ordered by file then position."""
    return [g for g, _qn in memberships_of(ctx, table_def)]


def members_of(ctx: Ctx, group_def: Definition) -> list[Definition]:
    """The tables a group lists (resolved from the group's file), in listing order."""
    ctx.depend(f"group:{group_def.key}")
    refs = _memberships(ctx).items(ctx, ("group",) + group_def.ref)
    return [d for d in map(ctx.index.definition, refs) if d is not None]


def group_access(group_def: Definition) -> tuple[str, object] | None:
    """(level, mark) of a group's strictest valid `%access` mark, or None."""
    if group_def.path.endswith(".dbml"):
        return None
    best = None
    for mk in valid_marks(group_def.element, "access"):
        lvl = mk.args[0].text
        if lvl in STRICTNESS and (best is None or STRICTNESS[lvl] > STRICTNESS[best[0]]):
            best = (lvl, mk)
    return best


def effective_access(ctx: Ctx, table_def: Definition) -> tuple[str, Definition] | None:
    """(strictest level, the first group giving it) over the table's groups; None if no group
    sets an access level."""
    best = None
    for g in groups_of(ctx, table_def):
        ga = group_access(g)
        if ga is not None and (best is None or STRICTNESS[ga[0]] > STRICTNESS[best[0]]):
            best = (ga[0], g)
    return best


def _norm_type(t: str) -> str:
    return " ".join(t.split()).lower()


@rule("DBMT401", "DBMT402", "DBMT403", "DBMT404", "DBMT105")
def traits(ctx: Ctx) -> None:
    if ctx.fm.is_dbml:
        _one_group_rule(ctx)
        return
    # DBMT404: unknown access level, on the argument.
    for el in ctx.elements:
        if el.kind != "group":
            continue
        for mk in valid_marks(el, "access"):
            a = mk.args[0]
            if a.text not in STRICTNESS:
                close = close_matches(a.text, ACCESS_LEVELS, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                ctx.report("DBMT404", f"unknown access level '{a.text}'{hint}: expected one of {', '.join(ACCESS_LEVELS)}",
                           a.start, a.end, data={"level": a.text, "suggestion": close[0] if close else None})
    for d in ctx.defs:
        if d.kind != "table":
            continue
        groups = groups_of(ctx, d)
        if not groups:
            continue
        name = display(d.key)
        for g in groups:
            if g.path.endswith(".dbml"):
                continue
            for mk in valid_marks(g.element, "require_columns"):
                seen_args = set()
                for a in mk.args:
                    if a.text in seen_args:
                        continue
                    seen_args.add(a.text)
                    col = ctx.column(d, a.text)
                    if col is None:
                        ctx.report("DBMT401", f"table '{name}' lacks column '{a.text}', required by TableGroup '{g.key}'",
                                   d.name_node.start, d.name_node.end,
                                   related=[(g.path, a.start, a.end, f"TableGroup '{g.key}' requires '{a.text}' here")],
                                   data={"table": name, "column": a.text, "group": g.key})
                        continue
                    _check_type(ctx, d, col, a, g)
        # DBMT403: the table's groups disagree on access.
        levels = [(g, group_access(g)) for g in groups]
        levels = [(g, ga) for g, ga in levels if ga is not None]
        if len({ga[0] for _, ga in levels}) >= 2:
            lvl, winner = effective_access(ctx, d)
            said = ", ".join(f"'{g.key}' says {ga[0]}" for g, ga in levels)
            ctx.report("DBMT403", f"table '{name}' has access '{lvl}' from TableGroup '{winner.key}': its groups disagree "
                       f"({said}); the strictest wins", d.name_node.start, d.name_node.end,
                       related=[(g.path, ga[1].start, ga[1].end, f"TableGroup '{g.key}': %access {ga[0]}") for g, ga in levels],
                       data={"table": name, "level": lvl, "group": winner.key})


def _check_type(ctx: Ctx, d: Definition, col, arg, g: Definition) -> None:
    """DBMT402 on this member's column when its type differs from the group's contract type: the
    type most members give the column (ties: the first member's in listing order). The contract
    is computed once per check run and shared by the members (Ctx.shared): a group of k tables
    costs k, not k squared."""
    contract = ctx.shared(("group-contract", g.ref, id(arg)), lambda: _contract(ctx, arg, g))
    if contract is None or col.type is None or _norm_type(col.type_text) == contract[0]:
        return
    norm, expected, related, total = contract
    own = col.injected_from is None and col.generated_from is None
    start, end = (col.type.start, col.type.end) if own else (d.name_node.start, d.name_node.end)
    ctx.report("DBMT402", f"column '{display(d.key)}.{arg.text}' is {col.type_text}, but the other members of TableGroup "
               f"'{g.key}' give it type {expected} (contract conflict)", start, end,
               related=Sized(related, total), data={"table": display(d.key), "column": arg.text, "group": g.key,
                                                    "type": col.type_text, "expected": expected})


def _contract(ctx: Ctx, arg, g: Definition):
    """(normalised contract type, its text, the first related places, their number) of one
    required column of a group, or None when fewer than two members type it."""
    typed = []
    for m in members_of(ctx, g):
        ctx.depend(f"table:{m.key}")
        c = ctx.column(m, arg.text)
        if c is not None and c.type is not None:
            typed.append((m, c, _norm_type(c.type_text)))
    if len(typed) < 2:
        return None
    counts = Counter(t for _m, _c, t in typed)
    top = max(counts.values())
    contract = next(t for _m, _c, t in typed if counts[t] == top)
    agree = [(m, c) for m, c, t in typed if t == contract]
    related = [(g.path, arg.start, arg.end, f"TableGroup '{g.key}' requires '{arg.text}'")]
    for m, c in agree[:RELATED_LIMIT]:
        place = (c.name.start, c.name.end) if c.injected_from is None and c.generated_from is None else \
            (m.name_node.start, m.name_node.end)
        related.append((m.path, *place, f"'{display(m.key)}.{arg.text}' is {c.type_text}"))
    return contract, agree[0][1].type_text, related, 1 + len(agree)


def _one_group_rule(ctx: Ctx) -> None:
    """In a .dbml file, DBML's rule: a table belongs to one TableGroup. Reported on each listing
    of a table (in this file's groups) that another group also lists."""
    for el in ctx.elements:
        if el.kind != "group":
            continue
        for qn in el.tables:
            t = ctx.table(qn)
            if t is None:
                continue
            others = [(g, q) for g, q in memberships_of(ctx, t)
                      if g.element is not el and g.path.endswith(".dbml")]
            if not others:
                continue
            gname = el.name.text if el.name else ""
            ctx.report("DBMT105", f"table '{display(t.key)}' is in two TableGroups ('{gname}' and "
                       f"{', '.join(repr(g.key) for g, _ in others)}): a .dbml table belongs to one group",
                       qn.start, qn.end,
                       related=[(g.path, q.start, q.end, f"also listed in TableGroup '{g.key}'") for g, q in others],
                       data={"kind": "group membership", "name": display(t.key)})
