// node --test test/  — the layout, the SVG and the layout file, on the shop example's model
// (test/fixtures/shop.json: `dbmt-lsp --export json` of examples/shop, root file:///shop).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { layout } from "../layout.mjs";
import { formatSaved, parseSaved } from "../saved.mjs";
import { toSvg } from "../svg.mjs";

const shop = () => JSON.parse(fs.readFileSync(new URL("./fixtures/shop.json", import.meta.url), "utf8"));

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

test("every table and edge is placed once, tables do not overlap", () => {
  const m = shop();
  const l = layout(m, {}, new Map());
  assert.deepEqual(l.nodes.map((n) => n.id), m.tables.map((t) => t.id));
  assert.deepEqual(l.edges.map((e) => e.id), m.edges.map((e) => e.id));
  assert.deepEqual(l.groups.map((g) => g.id), m.groups.map((g) => g.id));
  for (let i = 0; i < l.nodes.length; i++) {
    for (let j = i + 1; j < l.nodes.length; j++) {
      assert.ok(!overlaps(l.nodes[i], l.nodes[j]), `${l.nodes[i].id} overlaps ${l.nodes[j].id}`);
    }
  }
  // A group's region holds each of its tables.
  for (const g of m.groups) {
    const box = l.groups.find((b) => b.id === g.id);
    for (const id of g.tables) {
      const n = l.nodes.find((x) => x.id === id);
      assert.ok(n.x >= box.x && n.y >= box.y && n.x + n.width <= box.x + box.width && n.y + n.height <= box.y + box.height, `${id} outside ${g.id}`);
    }
  }
});

test("edges start and end at the rows of their columns", () => {
  const m = shop();
  const l = layout(m, {}, new Map());
  const node = new Map(l.nodes.map((n) => [n.id, n]));
  const table = new Map(m.tables.map((t) => [t.id, t]));
  for (const e of m.edges) {
    const pts = l.edges.find((x) => x.id === e.id).points;
    const a = node.get(e.from.table);
    const row = table.get(e.from.table).columns.findIndex((c) => c.name === e.from.columns[0]);
    assert.ok(row >= 0, e.id);
    assert.equal(pts[0].y, a.y + 28 + 18 * row + 9, e.id);
    assert.ok(pts[0].x === a.x || pts[0].x === a.x + a.width, e.id);
  }
});

test("the same input gives the same layout, cached or not", () => {
  const a = layout(shop(), {}, new Map());
  const cache = new Map();
  layout(shop(), {}, cache);
  const b = layout(shop(), {}, cache);
  assert.deepEqual(b, a);
});

test("a dragged position wins and only moves that table", () => {
  const m = shop();
  const before = layout(m, {}, new Map());
  const id = m.tables[3].id;
  const after = layout(m, { [id]: { x: -500.4, y: 1234.6 } }, new Map());
  for (const n of after.nodes) {
    const was = before.nodes.find((x) => x.id === n.id);
    if (n.id === id) {
      assert.deepEqual([n.x, n.y], [-500, 1235]);
    } else {
      assert.deepEqual([n.x, n.y], [was.x, was.y]);
    }
  }
});

test("an edit in one file re-lays only that file", () => {
  const m = shop();
  const cache = new Map();
  const before = layout(m, {}, cache);
  const t = m.tables.find((x) => x.uri.endsWith("social/posting.dbmt"));
  t.columns.push({ name: "a_new_column_with_a_long_name", type: "varchar", pk: false, fk: false, unique: false, notNull: false, generated: "", range: null });
  const size = cache.size;
  const after = layout(m, {}, cache);
  assert.equal(cache.size, size + 1);
  for (const n of after.nodes) {
    const tt = m.tables.find((x) => x.id === n.id);
    const was = before.nodes.find((x) => x.id === n.id);
    if (!tt.uri.endsWith("social/posting.dbmt") && !tt.uri.endsWith("shoes/shoes.dbmt")) {
      // Files before social/ in path order keep their places (shoes/ shares its row).
      assert.deepEqual([n.x, n.y], [was.x, was.y], n.id);
    }
  }
});

test("the SVG has every table once and every edge once, with markers and labels", () => {
  const m = shop();
  const svg = toSvg(m, layout(m));
  const ids = (cls) => [...svg.matchAll(new RegExp(`<g class="${cls}[^"]*" data-id="([^"]*)"`, "g"))].map((x) => x[1].replaceAll("&amp;", "&").replaceAll("&gt;", ">").replaceAll("&lt;", "<"));
  assert.deepEqual(ids("table").sort(), m.tables.map((t) => t.id).sort());
  assert.deepEqual(ids("edge").sort(), m.edges.map((e) => e.id).sort());
  assert.equal(new Set(ids("table")).size, m.tables.length);
  // A relation connector is labelled with its relation table; generated columns are marked.
  assert.match(svg, /<g class="edge kind-relation"[^>]*>.*?<text class="label"[^>]*>RelUserPosts<\/text>/s);
  assert.match(svg, /<g class="column generated[^"]*" data-column="opt_to_led_ext_id"/);
  assert.match(svg, /<g class="badge access-public"/);
});

test("dbmt-layout.json: sorted, one table per line, round trip, broken file reported", () => {
  const text = formatSaved({ "t:b.dbmt#public.B": { x: 1.6, y: 2 }, "t:a.dbmt#public.A": { x: -3, y: 4 } });
  assert.equal(text, '{\n  "version": 1,\n  "tables": {\n    "t:a.dbmt#public.A": {"x": -3, "y": 4},\n    "t:b.dbmt#public.B": {"x": 2, "y": 2}\n  }\n}\n');
  assert.deepEqual(parseSaved(text), { positions: { "t:a.dbmt#public.A": { x: -3, y: 4 }, "t:b.dbmt#public.B": { x: 2, y: 2 } }, error: null });
  assert.equal(formatSaved({}), '{\n  "version": 1,\n  "tables": {}\n}\n');
  assert.match(parseSaved("{").error, /not valid JSON/);
  assert.match(parseSaved('{"version": 2}').error, /not a version 1 layout/);
});
