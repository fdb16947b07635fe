// Layout of the dbmt/diagram model (version 1, docs/lsp.md): where each table, edge, group region
// and team region goes. Shared by the VS Code webview (bundled into the extension) and
// `dbmt-lsp --export svg` (bundled into server/dbmt/export/assets/diagram-render.mjs).
//
//   layout(model, saved?, cache?) → {nodes: [{id, x, y, width, height}],
//                                    edges: [{id, points: [{x, y}]}],
//                                    groups: [{id, x, y, width, height}],
//                                    files: [{uri, x, y, width, height}]}
//
// x, y are the top-left corner. The same input gives the same output (no randomness, no clock,
// every list in the model's order).
//
// How: each file (team) is laid out on its own with dagre (a layered layout, left to right,
// over the edges inside that file), then the files are placed in rows in path order. One graph
// of 2,000 tables takes dagre minutes and ELK tens of seconds (bench/README.md); files of tens of
// tables take milliseconds each, and a file's layout is cached by the content it depends on (its
// tables' sizes and its inner edges), so an edit re-lays only the file it changed. Edges are
// drawn from column to column: they leave the side of a table facing the other table, at the
// row of the column, so they are routed here rather than by dagre. Positions a user dragged
// (`saved`, read from dbmt-layout.json) replace the computed ones table by table.
import * as dagre from "@dagrejs/dagre";

export const HEADER = 28; // px: the table's title row
export const ROW = 18; // px: one column row
export const CHAR = 7.2; // px: the advance of one character of the 12px monospace font used
export const PAD = 10; // px: padding inside a table
const FILE_PAD = 28; // px: padding of a team region (its title sits in the top padding)
const GAP = 60; // px: between team regions
const STUB = 18; // px: the straight piece of an edge at each table side

/** The size a table is drawn at: a function of its texts alone, so node and browser agree. */
export function tableSize(t) {
  let chars = t.name.length + (t.access ? t.access.length + 3 : 0) + 2;
  for (const c of t.columns) {
    chars = Math.max(chars, c.name.length + c.type.length + markers(c).length + 4);
  }
  return { width: Math.ceil(chars * CHAR + 2 * PAD), height: HEADER + ROW * Math.max(1, t.columns.length) + 4 };
}

/** The short markers shown after a column's type: PK, FK, UQ, NN, and "gen" for generated. */
export function markers(c) {
  const m = [];
  if (c.pk) m.push("PK");
  if (c.fk) m.push("FK");
  if (c.unique) m.push("UQ");
  if (c.notNull) m.push("NN");
  if (c.generated) m.push("gen");
  return m.join(" ");
}

/** The y (relative to the table's top) of the middle of a column's row; the header if unknown. */
export function columnY(t, name) {
  const i = t.columns.findIndex((c) => c.name === name);
  return i < 0 ? HEADER / 2 : HEADER + ROW * i + ROW / 2;
}

const defaultCache = new Map();
const CACHE_MAX = 4096;

function fileLayout(tables, edges, cache) {
  const key = JSON.stringify([tables.map((t) => [t.id, t.size.width, t.size.height]), edges]);
  const hit = cache.get(key);
  if (hit) {
    return hit;
  }
  const g = new dagre.graphlib.Graph({ multigraph: true });
  // tight-tree ranking: network-simplex's better ranks cost 3–5× more at a few hundred tables.
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 70, marginx: 0, marginy: 0, ranker: "tight-tree" });
  g.setDefaultEdgeLabel(() => ({}));
  for (const t of tables) {
    g.setNode(t.id, { width: t.size.width, height: t.size.height });
  }
  edges.forEach(([from, to], i) => g.setEdge(from, to, {}, String(i)));
  dagre.layout(g);
  const pos = new Map();
  let width = 0;
  let height = 0;
  for (const t of tables) {
    const n = g.node(t.id);
    const x = Math.round(n.x - t.size.width / 2);
    const y = Math.round(n.y - t.size.height / 2);
    pos.set(t.id, { x, y });
    width = Math.max(width, x + t.size.width);
    height = Math.max(height, y + t.size.height);
  }
  const out = { pos, width, height };
  if (cache.size >= CACHE_MAX) {
    cache.delete(cache.keys().next().value);
  }
  cache.set(key, out);
  return out;
}

/** The layout of `model`; `saved` maps table id → {x, y} (dragged positions); `cache` a Map kept
 * between calls (a module-wide one by default). */
export function layout(model, saved = {}, cache = defaultCache) {
  const byId = new Map();
  const byFile = new Map(model.files.map((f) => [f.uri, []]));
  for (const t of model.tables) {
    const entry = { id: t.id, table: t, size: tableSize(t) };
    byId.set(t.id, entry);
    if (!byFile.has(t.uri)) {
      byFile.set(t.uri, []);
    }
    byFile.get(t.uri).push(entry);
  }
  const inner = new Map();
  for (const e of model.edges) {
    const a = byId.get(e.from.table);
    const b = byId.get(e.to.table);
    if (a && b && a.table.uri === b.table.uri && a !== b) {
      if (!inner.has(a.table.uri)) {
        inner.set(a.table.uri, []);
      }
      // Layered left to right: the referenced (to) table left of the referring one.
      inner.get(a.table.uri).push([b.id, a.id]);
    }
  }
  const blocks = [];
  for (const [uri, tables] of byFile) {
    if (tables.length === 0) {
      continue;
    }
    const l = fileLayout(tables, inner.get(uri) ?? [], cache);
    blocks.push({ uri, tables, l, w: l.width + 2 * FILE_PAD, h: l.height + 2 * FILE_PAD });
  }
  // Rows of team regions in the model's file order, a fixed count per row (about √files), so an
  // edit that resizes one file moves only the files after it in its row and the rows below.
  const perRow = Math.max(1, Math.round(Math.sqrt(blocks.length)));
  const nodes = [];
  const files = [];
  let x = 0;
  let y = 0;
  let rowH = 0;
  blocks.forEach((b, i) => {
    if (i > 0 && i % perRow === 0) {
      x = 0;
      y += rowH + GAP;
      rowH = 0;
    }
    files.push({ uri: b.uri, x, y, width: b.w, height: b.h });
    for (const t of b.tables) {
      const p = b.l.pos.get(t.id);
      const s = saved[t.id];
      const at = s && Number.isFinite(s.x) && Number.isFinite(s.y)
        ? { x: Math.round(s.x), y: Math.round(s.y) }
        : { x: x + FILE_PAD + p.x, y: y + FILE_PAD + p.y };
      t.at = at;
      nodes.push({ id: t.id, x: at.x, y: at.y, width: t.size.width, height: t.size.height });
    }
    x += b.w + GAP;
    rowH = Math.max(rowH, b.h);
  });
  // A team region holds its tables wherever they were dragged.
  for (const f of files) {
    const mine = byFile.get(f.uri).map((t) => t.at);
    if (mine.length) {
      const sizes = byFile.get(f.uri).map((t) => t.size);
      const x0 = Math.min(...mine.map((p) => p.x)) - FILE_PAD;
      const y0 = Math.min(...mine.map((p) => p.y)) - FILE_PAD;
      const x1 = Math.max(...mine.map((p, i) => p.x + sizes[i].width)) + FILE_PAD;
      const y1 = Math.max(...mine.map((p, i) => p.y + sizes[i].height)) + FILE_PAD;
      Object.assign(f, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
  }
  const edges = [];
  for (const e of model.edges) {
    const a = byId.get(e.from.table);
    const b = byId.get(e.to.table);
    if (!a || !b) {
      continue;
    }
    edges.push({ id: e.id, points: route(a, e.from.columns[0], b, e.to.columns[0]) });
  }
  const groups = [];
  const gpad = 8;
  for (const g of model.groups) {
    const mine = g.tables.map((id) => byId.get(id)).filter(Boolean);
    if (!mine.length) {
      continue;
    }
    const x0 = Math.min(...mine.map((t) => t.at.x)) - gpad;
    const y0 = Math.min(...mine.map((t) => t.at.y)) - gpad - 16;
    const x1 = Math.max(...mine.map((t) => t.at.x + t.size.width)) + gpad;
    const y1 = Math.max(...mine.map((t) => t.at.y + t.size.height)) + gpad;
    groups.push({ id: g.id, x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
  }
  return { nodes, edges, groups, files };
}

/** An edge from column `ca` of table a to column `cb` of table b: out of the side of each table
 * that faces the other, a straight stub, then across; a table referring to itself loops on its
 * right side. */
function route(a, ca, b, cb) {
  const ya = a.at.y + columnY(a.table, ca);
  const yb = b.at.y + columnY(b.table, cb);
  const aRight = a.at.x + a.size.width;
  const bRight = b.at.x + b.size.width;
  if (a === b) {
    const xo = aRight + STUB * 2;
    return [{ x: aRight, y: ya }, { x: xo, y: ya }, { x: xo, y: yb }, { x: aRight, y: yb }];
  }
  let xa;
  let xb;
  let da;
  let db;
  if (bRight + STUB * 2 <= a.at.x) {
    [xa, da, xb, db] = [a.at.x, -1, bRight, 1]; // b is left of a
  } else if (aRight + STUB * 2 <= b.at.x) {
    [xa, da, xb, db] = [aRight, 1, b.at.x, -1]; // b is right of a
  } else {
    [xa, da, xb, db] = [aRight, 1, bRight, 1]; // stacked: both on the right
  }
  const sa = xa + da * STUB;
  const sb = xb + db * STUB;
  if (da === db) {
    const xo = Math.max(sa, sb);
    return [{ x: xa, y: ya }, { x: xo, y: ya }, { x: xo, y: yb }, { x: xb, y: yb }];
  }
  return [{ x: xa, y: ya }, { x: sa, y: ya }, { x: sb, y: yb }, { x: xb, y: yb }];
}
