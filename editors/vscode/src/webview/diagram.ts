// The diagram webview's script (bundled into dist/diagram.js): lays out the model the extension
// sends (editors/diagram/layout.mjs), draws only what is on screen (editors/diagram/svg.mjs,
// piece by piece), pans and zooms, keeps the viewport across updates, reports clicks (reveal a
// definition) and drags (save a position), and offers the filters.
import { applyDelta } from "../../../diagram/delta.mjs";
import { layout } from "../../../diagram/layout.mjs";
import { context, edgeSvg, fileSvg, groupSvg, tableSvg } from "../../../diagram/svg.mjs";

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

interface Pos {
  line: number;
  character: number;
}
interface Range {
  start: Pos;
  end: Pos;
}
interface Column {
  name: string;
  type: string;
  pk: boolean;
  fk: boolean;
  unique: boolean;
  notNull: boolean;
  generated: string;
  range: Range | null;
}
interface Table {
  id: string;
  name: string;
  kind: string;
  uri: string;
  range: Range;
  groups: string[];
  access: string | null;
  note: string | null;
  family: string | null;
  columns: Column[];
}
interface End {
  table: string;
  columns: string[];
}
interface Edge {
  id: string;
  kind: string;
  from: End;
  to: End;
  fromMany: boolean;
  toMany: boolean;
  fromOptional: boolean;
  toOptional: boolean;
  label: string | null;
  via: string | null;
}
interface FileEntry {
  uri: string;
  path: string;
  team: string;
  color: string;
}
interface Group {
  id: string;
  name: string;
  color: string;
  access: string | null;
  tables: string[];
}
interface Model {
  version: number;
  revision: number;
  root: string;
  files: FileEntry[];
  tables: Table[];
  edges: Edge[];
  enums: unknown[];
  groups: Group[];
  views: { name: string; tables: string[] }[];
  filter: Record<string, unknown>;
}
interface Box {
  id?: string;
  uri?: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
interface Laid {
  nodes: Box[];
  edges: { id: string; points: { x: number; y: number }[] }[];
  groups: Box[];
  files: Box[];
}
type Positions = Record<string, { x: number; y: number }>;

const vscode = acquireVsCodeApi();
const SVGNS = "http://www.w3.org/2000/svg";
const svg = document.getElementById("canvas") as unknown as SVGSVGElement;
const viewport = document.getElementById("viewport") as unknown as SVGGElement;
const layers = {
  files: document.getElementById("layer-files") as unknown as SVGGElement,
  groups: document.getElementById("layer-groups") as unknown as SVGGElement,
  edges: document.getElementById("layer-edges") as unknown as SVGGElement,
  tables: document.getElementById("layer-tables") as unknown as SVGGElement,
};
const statusLine = document.getElementById("status") as HTMLDivElement;
const toolbar = document.getElementById("toolbar") as HTMLDivElement;

// Below this zoom tables are drawn as their title only: 2,000 tables fit on screen and stay fast.
const COMPACT_ZOOM = 0.3;
const CULL_MARGIN = 200; // px of the screen: what is just outside is drawn too, for smooth panning

let model: Model | undefined;
let laid: Laid | undefined;
let saved: Positions = {};
let ctx: ReturnType<typeof context> | undefined;
let view = (vscode.getState() as { view?: { x: number; y: number; k: number } } | undefined)?.view;
const cache = new Map();
const drawn = {
  tables: new Map<string, Element>(),
  edges: new Map<string, Element>(),
  groups: new Map<string, Element>(),
  files: new Map<string, Element>(),
};
let drawnCompact = false;
let edgesByTable = new Map<string, string[]>();
// Lookups and edge boxes, once per layout rather than once per frame.
let index = {
  tables: new Map<string, Table>(),
  edges: new Map<string, Edge>(),
  groups: new Map<string, Group>(),
  files: new Map<string, FileEntry>(),
  edgeBoxes: new Map<string, Box>(),
};
// Options of the filters: from the last model that was not filtered (the whole workspace).
let whole: Model | undefined;
let filter: Record<string, unknown> = {};

function post(m: unknown): void {
  vscode.postMessage(m);
}

// The number of the last model message applied: a patch applies to that one only.
let seq: number | undefined;

window.addEventListener("message", (e: MessageEvent) => {
  const m = e.data;
  if (m.type === "model") {
    seq = m.seq;
    document.body.dataset.update = `model ${m.model.tables.length}`;
    receive(m.model as Model, m.saved as Positions, m.filter as Record<string, unknown>, Boolean(m.replace));
  } else if (m.type === "patch") {
    if (!model || seq === undefined || m.base !== seq) {
      seq = undefined;
      post({ type: "resync" }); // not the model the patch is against: ask for the whole one
      return;
    }
    // The extension's patch has the shape of the server's delta (editors/diagram/delta.mjs).
    const next = applyDelta(model, {
      ...(m.model as Omit<Model, "tables" | "edges">),
      tableIds: m.tableIds as string[],
      tables: m.tables as Table[],
      edgeIds: m.edgeIds as string[],
      edges: m.edges as Edge[],
    }) as Model;
    seq = m.seq;
    document.body.dataset.update = `patch ${m.tables.length} ${m.edges.length}`;
    receive(next, m.saved as Positions, m.filter as Record<string, unknown>, Boolean(m.replace));
  } else if (m.type === "error") {
    statusLine.textContent = m.message;
    statusLine.classList.add("error");
  }
});

function receive(m: Model, s: Positions, f: Record<string, unknown>, replace = false): void {
  const t0 = performance.now();
  const before = model && laid ? { model, laid } : undefined; // what the drawn elements show
  model = m;
  // The host's positions, with what was dragged here since; `replace`: the layout file changed
  // on disk, and what it says now is the layout.
  saved = replace ? { ...s } : { ...s, ...saved };
  filter = f;
  if (!Object.keys(f).length) {
    whole = m;
  }
  relayout();
  if (!view) {
    fit();
  }
  keepUnchanged(before);
  draw();
  buildToolbar();
  statusLine.classList.remove("error");
  const ms = Math.round(performance.now() - t0);
  statusLine.textContent = `${m.tables.length} tables, ${m.edges.length} relationships — revision ${m.revision}${Object.keys(f).length ? " (filtered)" : ""}`;
  document.body.dataset.revision = String(m.revision);
  document.body.dataset.drawnAt = String(Date.now()); // when this revision was on screen (bench/)
  document.body.dataset.tables = String(m.tables.length);
  document.body.dataset.edges = String(m.edges.length);
  post({ type: "drawn", revision: m.revision, tables: m.tables.length, edges: m.edges.length, ms });
}

function relayout(): void {
  if (!model) {
    return;
  }
  laid = layout(model, saved, cache) as Laid;
  ctx = context(model, laid);
  index = {
    tables: new Map(model.tables.map((t) => [t.id, t])),
    edges: new Map(model.edges.map((e) => [e.id, e])),
    groups: new Map(model.groups.map((g) => [g.id, g])),
    files: new Map(model.files.map((f) => [f.uri, f])),
    edgeBoxes: new Map(laid.edges.map((e) => [e.id, pointsBox(e.points)])),
  };
  edgesByTable = new Map();
  for (const e of model.edges) {
    for (const t of new Set([e.from.table, e.to.table])) {
      const list = edgesByTable.get(t) ?? [];
      list.push(e.id);
      edgesByTable.set(t, list);
    }
  }
}

// -- the viewport ------------------------------------------------------------------------------
function fit(): void {
  if (!laid) {
    return;
  }
  const boxes: Box[] = [...laid.nodes, ...laid.files];
  if (!boxes.length) {
    view = { x: 0, y: 0, k: 1 };
    return;
  }
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width));
  const y1 = Math.max(...boxes.map((b) => b.y + b.height));
  const r = svg.getBoundingClientRect();
  const k = Math.min(2, Math.max(0.02, Math.min((r.width - 20) / (x1 - x0), (r.height - 20) / (y1 - y0))));
  view = { k, x: (r.width - (x1 - x0) * k) / 2 - x0 * k, y: (r.height - (y1 - y0) * k) / 2 - y0 * k };
}

function applyView(): void {
  if (!view) {
    return;
  }
  viewport.setAttribute("transform", `translate(${view.x},${view.y}) scale(${view.k})`);
  vscode.setState({ view });
}

let frame = 0;
function schedule(): void {
  if (!frame) {
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  }
}

/** What the colours of every table and edge come from: when it changes, everything is drawn again. */
function styleOf(m: Model): string {
  return JSON.stringify([m.files.map((f) => [f.uri, f.path, f.color]), m.groups.map((g) => [g.id, g.color]), m.enums]);
}

function sameBox(a: Box | undefined, b: Box | undefined): boolean {
  return !!a && !!b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

function samePoints(a: { x: number; y: number }[] | undefined, b: { x: number; y: number }[] | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((p, i) => p.x === b[i].x && p.y === b[i].y);
}

/** After a new model and layout: keep the drawn elements of the tables and edges that are the
 * same objects as before (a patch keeps unchanged ones) in the same place, and forget the rest
 * (draw() then draws those). At 2,000 tables an edit redraws a few elements, not the ~1,800 on
 * screen. Groups and file regions are few: drawn again each time. */
function keepUnchanged(before: { model: Model; laid: Laid } | undefined): void {
  if (!before || !model || !laid || styleOf(before.model) !== styleOf(model)) {
    clearDrawn();
    return;
  }
  const oldTables = new Map(before.model.tables.map((t) => [t.id, t]));
  const oldNodes = new Map(before.laid.nodes.map((n) => [n.id!, n]));
  const newNodes = new Map(laid.nodes.map((n) => [n.id!, n]));
  const changed = new Set<string>();
  for (const [id, el] of drawn.tables) {
    const t = index.tables.get(id);
    if (!t || t !== oldTables.get(id) || !sameBox(newNodes.get(id), oldNodes.get(id))) {
      el.remove();
      drawn.tables.delete(id);
      changed.add(id);
    }
  }
  const oldEdges = new Map(before.model.edges.map((e) => [e.id, e]));
  const oldPoints = new Map(before.laid.edges.map((e) => [e.id, e.points]));
  const newPoints = new Map(laid.edges.map((e) => [e.id, e.points]));
  for (const [id, el] of drawn.edges) {
    const e = index.edges.get(id);
    if (!e || e !== oldEdges.get(id) || changed.has(e.from.table) || changed.has(e.to.table)
        || !samePoints(newPoints.get(id), oldPoints.get(id))) {
      el.remove();
      drawn.edges.delete(id);
    }
  }
  for (const k of ["groups", "files"] as const) {
    drawn[k].clear();
    layers[k].replaceChildren();
  }
}

function clearDrawn(): void {
  for (const [k, map] of Object.entries(drawn)) {
    map.clear();
    layers[k as keyof typeof layers].replaceChildren();
  }
}

function visible(b: Box, v: { x0: number; y0: number; x1: number; y1: number }): boolean {
  return b.x < v.x1 && b.x + b.width > v.x0 && b.y < v.y1 && b.y + b.height > v.y0;
}

function pointsBox(points: { x: number; y: number }[]): Box {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x + 1, height: Math.max(...ys) - y + 1 };
}

/** Draw what is on screen, remove what left it: the culling that keeps 2,000 tables responsive. */
function draw(): void {
  if (!model || !laid || !ctx || !view) {
    return;
  }
  const t0 = performance.now();
  applyView();
  const compact = view.k < COMPACT_ZOOM;
  if (compact !== drawnCompact) {
    drawnCompact = compact;
    drawn.tables.clear();
    layers.tables.replaceChildren();
    svg.classList.toggle("compact", compact);
  }
  const r = svg.getBoundingClientRect();
  const v = {
    x0: (-CULL_MARGIN - view.x) / view.k,
    y0: (-CULL_MARGIN - view.y) / view.k,
    x1: (r.width + CULL_MARGIN - view.x) / view.k,
    y1: (r.height + CULL_MARGIN - view.y) / view.k,
  };
  const c = ctx;
  const ix = index;
  sync(drawn.tables, layers.tables, laid.nodes.filter((n) => visible(n, v)), (n) => n.id!, (n) => {
    const t = ix.tables.get(n.id!)!;
    return compact ? compactTableSvg(t, n, c) : tableSvg(t, n, c);
  });
  sync(drawn.edges, layers.edges, laid.edges.filter((e) => visible(ix.edgeBoxes.get(e.id)!, v)), (e) => e.id, (e) => edgeSvg(ix.edges.get(e.id)!, e.points, c));
  sync(drawn.groups, layers.groups, laid.groups.filter((g) => visible(g, v)), (g) => g.id!, (g) => groupSvg(ix.groups.get(g.id!)!, g));
  sync(drawn.files, layers.files, laid.files.filter((f) => visible(f, v) && ix.files.has(f.uri!)), (f) => f.uri!, (f) => fileSvg(ix.files.get(f.uri!)!, f));
  document.body.dataset.drawnTables = String(drawn.tables.size);
  document.body.dataset.drawnEdges = String(drawn.edges.size);
  // The script's own time for this frame (culling and new elements), for bench/diagram_webview.mjs.
  document.body.dataset.drawMs = (performance.now() - t0).toFixed(2);
}

function compactTableSvg(t: Table, n: Box, c: ReturnType<typeof context>): string {
  // The title row alone, as large as the table: readable when zoomed out, ~4 elements a table.
  const file = c.files.get(t.uri);
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<g class="table compact kind-${esc(t.kind)}" data-id="${esc(t.id)}" transform="translate(${n.x},${n.y})"><rect class="compact-body" width="${n.width}" height="${n.height}" rx="4" fill="${esc(file ? file.color : "#ccc")}"/><text class="name" x="8" y="${Math.min(n.height - 8, 40)}">${esc(t.name)}</text></g>`;
}

function sync<T>(map: Map<string, Element>, layer: Element, items: T[], key: (x: T) => string, markup: (x: T) => string): void {
  const want = new Set(items.map(key));
  for (const [id, el] of map) {
    if (!want.has(id)) {
      el.remove();
      map.delete(id);
    }
  }
  const add: string[] = [];
  for (const it of items) {
    if (!map.has(key(it))) {
      add.push(markup(it));
    }
  }
  if (add.length) {
    const tmp = document.createElementNS(SVGNS, "g");
    tmp.innerHTML = add.join("");
    for (const el of [...tmp.children]) {
      const id = el.getAttribute("data-id") ?? el.getAttribute("data-uri") ?? "";
      map.set(id, el);
      layer.appendChild(el);
    }
  }
}

/** Redraw the tables and edges one table touches (after a drag). */
function redrawAround(id: string): void {
  for (const el of [drawn.tables.get(id), ...(edgesByTable.get(id) ?? []).map((e) => drawn.edges.get(e))]) {
    if (el) {
      el.remove();
    }
  }
  drawn.tables.delete(id);
  for (const e of edgesByTable.get(id) ?? []) {
    drawn.edges.delete(e);
  }
  for (const map of [drawn.groups, drawn.files]) {
    for (const el of map.values()) {
      el.remove();
    }
    map.clear();
  }
  draw();
}

// -- pointer: pan, zoom, click, drag ----------------------------------------------------------------
type Gesture =
  | { kind: "pan"; sx: number; sy: number; vx: number; vy: number; moved: boolean }
  | { kind: "table"; id: string; column: string | null; sx: number; sy: number; ox: number; oy: number; moved: boolean };
let gesture: Gesture | undefined;

svg.addEventListener("pointerdown", (e) => {
  if (!view || e.button !== 0) {
    return;
  }
  const target = e.target as Element;
  const tableEl = target.closest("g.table");
  svg.setPointerCapture(e.pointerId);
  if (tableEl && laid) {
    const id = tableEl.getAttribute("data-id")!;
    const n = laid.nodes.find((x) => x.id === id)!; // once per press: a scan is fine
    const col = target.closest("g.column");
    gesture = { kind: "table", id, column: col ? col.getAttribute("data-column") : null, sx: e.clientX, sy: e.clientY, ox: n.x, oy: n.y, moved: false };
  } else {
    gesture = { kind: "pan", sx: e.clientX, sy: e.clientY, vx: view.x, vy: view.y, moved: false };
  }
});

svg.addEventListener("pointermove", (e) => {
  if (!gesture || !view) {
    return;
  }
  const dx = e.clientX - gesture.sx;
  const dy = e.clientY - gesture.sy;
  if (!gesture.moved && Math.abs(dx) + Math.abs(dy) < 4) {
    return;
  }
  gesture.moved = true;
  if (gesture.kind === "pan") {
    view = { ...view, x: gesture.vx + dx, y: gesture.vy + dy };
    schedule();
  } else {
    saved[gesture.id] = { x: Math.round(gesture.ox + dx / view.k), y: Math.round(gesture.oy + dy / view.k) };
    relayout();
    redrawAround(gesture.id);
  }
});

svg.addEventListener("pointerup", (e) => {
  const g = gesture;
  gesture = undefined;
  svg.releasePointerCapture(e.pointerId);
  if (!g || !model) {
    return;
  }
  if (g.kind === "table") {
    if (g.moved) {
      post({ type: "moved", positions: { [g.id]: saved[g.id] } });
    } else {
      const t = index.tables.get(g.id);
      if (t) {
        const col = g.column ? t.columns.find((c) => c.name === g.column) : undefined;
        post({ type: "reveal", uri: t.uri, range: col?.range ?? t.range });
      }
    }
  }
});

svg.addEventListener(
  "wheel",
  (e) => {
    if (!view) {
      return;
    }
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    const px = e.clientX - r.left;
    const py = e.clientY - r.top;
    const k = Math.min(4, Math.max(0.02, view.k * Math.exp(-e.deltaY * 0.0015)));
    view = { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
    schedule();
  },
  { passive: false },
);

window.addEventListener("resize", () => schedule());

// -- filters ------------------------------------------------------------------------------------------
function select(label: string, name: string, options: [string, string][], value: string): HTMLLabelElement {
  const l = document.createElement("label");
  l.textContent = label + " ";
  const s = document.createElement("select");
  s.name = name;
  for (const [v, text] of [["", "all"] as [string, string], ...options]) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = text;
    o.selected = v === value;
    s.appendChild(o);
  }
  s.addEventListener("change", () => changed());
  l.appendChild(s);
  return l;
}

function buildToolbar(): void {
  const w = whole ?? model;
  if (!w) {
    return;
  }
  const root = w.root.replace(/\/$/, "");
  const folders = [...new Set(w.files.map((f) => f.path.split("/").slice(0, -1).join("/")).filter(Boolean))].sort();
  const where: [string, string][] = [
    ...folders.map((d) => [`folder:${root}/${d}`, `${d}/`] as [string, string]),
    ...w.files.map((f) => [`file:${f.uri}`, f.path] as [string, string]),
  ];
  const whereValue = typeof filter.folder === "string" ? `folder:${filter.folder}` : Array.isArray(filter.files) && filter.files.length ? `file:${filter.files[0]}` : "";
  const focus = filter.focus as { table: string; hops: number } | undefined;
  toolbar.replaceChildren(
    select("Files", "where", where, whereValue),
    select("Group", "group", w.groups.map((g) => [g.name, g.name]), typeof filter.group === "string" ? filter.group : ""),
    select("View", "view", w.views.map((v) => [v.name, v.name]), typeof filter.view === "string" ? filter.view : ""),
    select("Around", "focus", w.tables.map((t) => [t.id, t.name] as [string, string]).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)), focus?.table ?? ""),
    hopsInput(focus?.hops ?? 1),
    button("Fit", () => {
      fit();
      draw();
    }),
  );
}

function hopsInput(value: number): HTMLLabelElement {
  const l = document.createElement("label");
  l.textContent = "hops ";
  const i = document.createElement("input");
  i.type = "number";
  i.name = "hops";
  i.min = "0";
  i.max = "20";
  i.value = String(value);
  i.addEventListener("change", () => changed());
  l.appendChild(i);
  return l;
}

function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

function changed(): void {
  const get = (name: string) => (toolbar.querySelector(`[name="${name}"]`) as HTMLSelectElement | HTMLInputElement).value;
  const f: Record<string, unknown> = {};
  const where = get("where");
  if (where.startsWith("folder:")) {
    f.folder = where.slice("folder:".length);
  } else if (where.startsWith("file:")) {
    f.files = [where.slice("file:".length)];
  }
  if (get("group")) f.group = get("group");
  if (get("view")) f.view = get("view");
  if (get("focus")) f.focus = { table: get("focus"), hops: Math.max(0, Math.min(20, Number(get("hops")) || 0)) };
  post({ type: "filter", filter: f });
}

post({ type: "ready" });
