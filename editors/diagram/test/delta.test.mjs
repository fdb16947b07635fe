// node --test test/  — applying a dbmt/diagram delta (delta.mjs) on the shop example's model.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { applyDelta, isDelta } from "../delta.mjs";

const shop = () => JSON.parse(fs.readFileSync(new URL("./fixtures/shop.json", import.meta.url), "utf8"));

/** The delta the server would send from `before` to `after` (export/diagram.py's `delta`). */
function deltaOf(before, after, since) {
  const { tables, edges, ...rest } = after;
  const changed = (now, old) => {
    const byId = new Map(old.map((x) => [x.id, JSON.stringify(x)]));
    return now.filter((x) => byId.get(x.id) !== JSON.stringify(x));
  };
  return {
    ...rest, since,
    tables: changed(tables, before.tables), tableIds: tables.map((t) => t.id),
    edges: changed(edges, before.edges), edgeIds: edges.map((e) => e.id),
  };
}

test("a delta gives the model it was made from: a table changed, one added, one removed with its edges", () => {
  const before = shop();
  const after = structuredClone(before);
  after.revision = before.revision + 1;
  after.tables[0].columns.push({ name: "added", type: "int", pk: false, fk: false, unique: false, notNull: false, generated: "", range: null });
  const gone = after.tables.splice(3, 1)[0].id;
  after.edges = after.edges.filter((e) => e.from.table !== gone && e.to.table !== gone && e.via !== gone);
  after.tables.push({ ...structuredClone(before.tables[1]), id: "t:zz.dbmt#public.Added", name: "Added" });
  const d = deltaOf(before, after, before.revision);
  assert.ok(isDelta(d) && !isDelta(before));
  assert.equal(d.tables.length, 2); // the changed one and the added one
  assert.equal(d.edges.length, 0);
  assert.deepEqual(applyDelta(before, d), after);
  assert.equal(before.tables.length, shop().tables.length, "the base is not changed");
});

test("an unchanged model is an empty delta, and a delta against another model throws", () => {
  const m = shop();
  const d = deltaOf(m, m, m.revision);
  assert.equal(d.tables.length + d.edges.length, 0);
  assert.deepEqual(applyDelta(m, d), m);
  const other = { ...m, tables: m.tables.slice(1) };
  assert.throws(() => applyDelta(other, d), /neither in the model it changes nor in the delta/);
});
