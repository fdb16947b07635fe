"""What each mark means, for people: one sentence, the shape of its arguments and a snippet that
writes them (completion's documentation; hover can show the same). Where a mark may stand and
what its arguments must be is check/marks.py's `MARKS`, the rules' own table: this adds words
to it, never a rule."""

from __future__ import annotations

from dataclasses import dataclass

from .check.marks import MARKS, WHERE_WORDS
from .diagnostics import DOCS_BASE


@dataclass(frozen=True)
class MarkDoc:
    name: str
    summary: str       # one sentence
    arguments: str     # the shape, as a user writes it (`Enum.Variant`, `—`)
    snippet: str       # LSP snippet syntax: what completion inserts when the client takes snippets

    @property
    def where(self) -> str:
        return WHERE_WORDS[MARKS[self.name].where]

    @property
    def signature(self) -> str:
        return f"%{self.name}" + ("" if self.arguments == "—" else f" {self.arguments}")


_LEVELS = "public,internal,confidential,restricted"
_TRIGGERS = "init,write,read"

_DOCS = [
    MarkDoc("relation", "Makes the table a relationship table: it joins two or more tables it references.",
            "—", "%relation"),
    MarkDoc("relation_source", "Names the column whose referenced table is the source of the relationship; "
            "the other referenced tables are its sinks.", "—", "%relation_source"),
    MarkDoc("extension_enum", "Makes the table the extension table of one variant of an extension enum.",
            "Enum.Variant", "%extension_enum ${1:Enum}.${2:Variant}"),
    MarkDoc("extension", "Lets the table carry the extensions of an enum: one nullable `opt_to_<variant>_id` "
            "column per variant and an `ext` column are generated.", "Enum", "%extension ${1:Enum}"),
    MarkDoc("extension_validate", "Says when the extension constraints of the table's `%extension` enum are "
            "checked.", "triggers: init write read (one or more)", "%extension_validate ${1|" + _TRIGGERS + "|}"),
    MarkDoc("extension_exclusive", "At most one of the listed variants may be given together.",
            "variants or ALL_EXTS (two or more)", "%extension_exclusive ${1:A} ${2:B}"),
    MarkDoc("extension_requires", "Whenever the first variant is given, every following variant must be given "
            "too.", "source variant, then sink variants (one or more)", "%extension_requires ${1:Source} ${2:Sink}"),
    MarkDoc("extensions_incompatible", "The listed variants may not all be given together.",
            "variants or ALL_EXTS (two or more)", "%extensions_incompatible ${1:A} ${2:B}"),
    MarkDoc("extensions_compatible", "A whitelist: once one of these variants is given, two or more variants "
            "together are legal only as a subset of some whitelisted list.",
            "variants or ALL_EXTS (two or more)", "%extensions_compatible ${1:A} ${2:B}"),
    MarkDoc("extensions_required", "The listed variants must always be given.", "variants or ALL_EXTS (one or more)",
            "%extensions_required ${1:ALL_EXTS}"),
    MarkDoc("extension_limit", "The most legal combinations of extensions the enum may allow before DBMT309 "
            "warns.", "integer", "%extension_limit ${1:1024}"),
    MarkDoc("require_columns", "Every member of the group must declare these columns, all with the same type.",
            "column names (one or more)", "%require_columns ${1:column}"),
    MarkDoc("access", "The access level of the group's members; a table in several groups takes the strictest.",
            "public | internal | confidential | restricted", "%access ${1|" + _LEVELS + "|}"),
    MarkDoc("events_clone", "Generates the table's events table (by default the singular name plus `Events`), "
            "with its columns, a reference back and an `action` column.", "optional events-table name",
            "%events_clone"),
    MarkDoc("events_for", "Adds this table's columns to the events table of a base table that has "
            "`%events_clone`; its name must be that events table's name.", "base table", "%events_for ${1:Table}"),
]
MARK_DOCS: dict[str, MarkDoc] = {d.name: d for d in _DOCS}
assert set(MARK_DOCS) == set(MARKS), "every mark of check/marks.py has its words here"

LANGUAGE_DOCS_URL = DOCS_BASE.rstrip("/").rsplit("/", 1)[0] + "/language.md#marks"


def mark_markdown(name: str) -> str:
    d = MARK_DOCS[name]
    return (f"```dbmt\n{d.signature}\n```\n{d.summary}\n\n"
            f"Where: {d.where}. Arguments: {d.arguments}.\n\n[Marks in the language reference]({LANGUAGE_DOCS_URL})")


def mark_plaintext(name: str) -> str:
    d = MARK_DOCS[name]
    return f"{d.signature}\n{d.summary}\nWhere: {d.where}. Arguments: {d.arguments}."
