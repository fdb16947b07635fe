"""What each mark of §2 means, in the words editors show (hover, completion documentation): a
summary, an example, and the codes that check it. Where a mark may stand and what arguments it
takes come from the mark table (`marks.MARKS`), so the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from .marks import MARKS, WHERE_WORDS


@dataclass(frozen=True)
class MarkDoc:
    name: str
    summary: str
    example: str
    codes: tuple[str, ...]

    @property
    def where(self) -> str:
        spec = MARKS[self.name]
        if self.name == "relation_source":
            return "the end of a column line of a `%relation` table"
        if self.name == "extension_validate":
            return "a Table body that has `%extension`"
        return WHERE_WORDS[spec.where]

    @property
    def arguments(self) -> str:
        return MARKS[self.name].describe


_DOCS = [
    MarkDoc("relation", "Makes the table a relationship table: it relates the tables that at least two of its "
            "columns reference (inline `ref:` or a top-level `Ref`).",
            "Table RelUserPosts {\n  %relation\n  id key_t [pk]\n  user_id key_t [ref: > Users.id] %relation_source\n"
            "  post_id key_t [ref: > Posts.id]\n}", ("DBMT201",)),
    MarkDoc("relation_source", "Marks the column whose referenced table is the source of the relation; the other "
            "referenced tables are its sinks (`Users —RelUserPosts→ Posts`). At most one per table.",
            "user_id key_t [ref: > Users.id] %relation_source", ("DBMT202", "DBMT203", "DBMT204")),
    MarkDoc("extension_enum", "Makes the table the extension table of one variant of an extension enum. Every "
            "variant has exactly one; the table needs a single-column primary key and references no table "
            "that supports the enum.",
            "Table SkeeingExt {\n  %extension_enum AccessoryExtType.SkeeingExt\n  id key_t [pk]\n}",
            ("DBMT301", "DBMT302", "DBMT311", "DBMT314")),
    MarkDoc("extension", "The table supports the extension enum: it gets one generated nullable column "
            "`opt_to_<variant>_id` per variant (referencing that variant's extension table) and a column "
            "`ext` of the enum's type.",
            "Table RelShoeSupportsExt {\n  %extension AccessoryExtType\n  id key_t [pk]\n}", ("DBMT103", "DBMT310")),
    MarkDoc("extension_validate", "When the extensions of a supporting row are validated: on `init`, `write` "
            "and/or `read`.", "%extension_validate write read", ("DBMT313",)),
    MarkDoc("extension_exclusive", "At most one of the listed variants (or of all, with `ALL_EXTS`) in a "
            "combination.", "%extension_exclusive SkeeingExt RunningExt", ("DBMT305", "DBMT306", "DBMT312")),
    MarkDoc("extension_requires", "If the first variant is in a combination, so is every variant after it.",
            "%extension_requires LedExt RunningExt", ("DBMT304", "DBMT305", "DBMT306")),
    MarkDoc("extensions_incompatible", "The listed variants never all occur together.",
            "%extensions_incompatible LedExt SkeeingExt", ("DBMT305", "DBMT306", "DBMT312")),
    MarkDoc("extensions_compatible", "A whitelist: once any listed variant is given, a combination of two or "
            "more variants is legal only if it is a subset of some whitelisted list.",
            "%extensions_compatible RunningExt LedExt", ("DBMT307", "DBMT305")),
    MarkDoc("extensions_required", "The listed variants (or all, with `ALL_EXTS`) are in every combination.",
            "%extensions_required RunningExt", ("DBMT305",)),
    MarkDoc("extension_limit", "The most legal combinations the enum may admit before DBMT309 warns "
            "(default: the configured `extension-limit`, 1024).", "%extension_limit 4096", ("DBMT309",)),
    MarkDoc("require_columns", "Every member of the TableGroup declares these columns, all with the same "
            "type (a trait's contract).", "%require_columns id created_at", ("DBMT401", "DBMT402")),
    MarkDoc("access", "The group's access level; a table's effective access is the strictest of its groups' "
            "(`public < internal < confidential < restricted`).", "%access internal", ("DBMT403", "DBMT404")),
    MarkDoc("events_clone", "Declares the table's events table (by default its singular name + `Events`): "
            "`id`, `<table>_id` referencing the table, its other columns, the columns `%extension` generates, "
            "and `action EventAction`.", "Table Shoes {\n  %events_clone\n  id key_t [pk]\n}",
            ("DBMT501", "DBMT503")),
    MarkDoc("events_for", "Adds this table's columns to the events table of the named base table (this table "
            "must carry that events table's name; the base must have `%events_clone`).",
            "Table ShoeEvents {\n  %events_for Shoes\n  reason varchar\n}", ("DBMT501", "DBMT502")),
]

MARK_DOCS: dict[str, MarkDoc] = {d.name: d for d in _DOCS}
