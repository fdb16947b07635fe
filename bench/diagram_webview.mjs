// The diagram webview's own cost at a size, in Debian's chromium (playwright-core from
// tests/editors): the extension's bundled webview script (editors/vscode/dist/diagram.js, built by
// `node esbuild.mjs` there) in a page of its own, with the VS Code webview API replaced by a
// recorder (the one stand-in: no VS Code around it; bench/diagram_bench.py and
// tests/editors/test_vscode_diagram.py cover the real one). Measures, for a model JSON file:
// the first draw (layout + drawing what is on screen, fitted), a redraw after an update with the
// viewport kept, and panning/zooming frames; and how many tables are in the DOM (culling).
//
//   node bench/diagram_webview.mjs MODEL.json [FRAMES]   → one JSON line on stdout
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "editors", "package.json"));
const { chromium } = require("playwright-core");
const dist = path.join(here, "..", "editors", "vscode", "dist");
const model = fs.readFileSync(process.argv[2], "utf8");
const frames = Number(process.argv[3] ?? 30);

const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${fs.readFileSync(path.join(dist, "diagram.css"), "utf8")}</style></head>
<body><div id="toolbar"></div><div id="stage"><svg id="canvas" xmlns="http://www.w3.org/2000/svg"><g id="viewport"><g id="layer-files"></g><g id="layer-groups"></g><g id="layer-edges"></g><g id="layer-tables"></g></g></svg></div><div id="status"></div>
<script>window.posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posted.push(m), getState: () => undefined, setState: () => {} });</script>
<script>${fs.readFileSync(path.join(dist, "diagram.js"), "utf8")}</script></body></html>`;

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
await page.setContent(html);
const result = await page.evaluate(async ({ modelText, frames }) => {
  const m = JSON.parse(modelText);
  const raf = () => new Promise((r) => requestAnimationFrame(() => r()));
  const drawnTables = () => document.querySelectorAll("#layer-tables g.table").length;
  let t0 = performance.now();
  window.postMessage({ type: "model", model: m, saved: {}, filter: {} }, "*");
  while (!window.posted.some((p) => p.type === "drawn")) await new Promise((r) => setTimeout(r, 5));
  await raf();
  const first = performance.now() - t0;
  const fitted = drawnTables();
  // Zoom in to reading size (columns drawn) around the drawn table nearest the middle (the
  // middle itself may fall between files, where nothing is drawn), then pan frame by frame.
  const svg = document.getElementById("canvas");
  const r = svg.getBoundingClientRect();
  let cx = r.left + r.width / 2;
  let cy = r.top + r.height / 2;
  let best = Infinity;
  for (const g of document.querySelectorAll("#layer-tables g.table")) {
    const b = g.getBoundingClientRect();
    const d = (b.left + b.width / 2 - r.left - r.width / 2) ** 2 + (b.top + b.height / 2 - r.top - r.height / 2) ** 2;
    if (b.width > 0 && d < best) {
      best = d;
      cx = b.left + b.width / 2;
      cy = b.top + b.height / 2;
    }
  }
  const wheel = () => svg.dispatchEvent(new WheelEvent("wheel", { deltaY: -300, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
  for (let i = 0; i < 40 && document.getElementById("canvas").classList.contains("compact") !== false; i++) {
    wheel();
    await raf();
  }
  for (let i = 0; i < 2; i++) {
    wheel();
    await raf();
  }
  const zoomed = drawnTables();
  const panTimes = [];
  const drawTimes = [];
  svg.dispatchEvent(new PointerEvent("pointerdown", { clientX: 600, clientY: 400, button: 0, pointerId: 1, bubbles: true }));
  for (let i = 1; i <= frames; i++) {
    const s = performance.now();
    svg.dispatchEvent(new PointerEvent("pointermove", { clientX: 600 - i * 15, clientY: 400 - i * 4, pointerId: 1, bubbles: true }));
    await raf();
    panTimes.push(performance.now() - s);
    drawTimes.push(Number(document.body.dataset.drawMs));
  }
  svg.dispatchEvent(new PointerEvent("pointerup", { clientX: 600 - frames * 15, clientY: 400 - frames * 4, pointerId: 1, bubbles: true }));
  // An update (one table more in the first file), the viewport kept.
  const m2 = JSON.parse(modelText);
  const t = JSON.parse(JSON.stringify(m2.tables.find((x) => x.uri === m2.files[0].uri)));
  t.id += "_copy";
  t.name += "_copy";
  m2.tables.push(t);
  m2.revision += 1;
  const before = window.posted.filter((p) => p.type === "drawn").length;
  t0 = performance.now();
  window.postMessage({ type: "model", model: m2, saved: {}, filter: {} }, "*");
  while (window.posted.filter((p) => p.type === "drawn").length === before) await new Promise((r) => setTimeout(r, 5));
  await raf();
  const update = performance.now() - t0;
  panTimes.sort((a, b) => a - b);
  drawTimes.sort((a, b) => a - b);
  return {
    tables: m.tables.length, edges: m.edges.length, firstDrawMs: Math.round(first), fittedDrawnTables: fitted,
    zoomedDrawnTables: zoomed, updateMs: Math.round(update), afterUpdateDrawnTables: drawnTables(),
    panFrameP50Ms: Math.round(panTimes[Math.floor(panTimes.length / 2)]), panFrameP95Ms: Math.round(panTimes[Math.floor(panTimes.length * 0.95)]),
    panDrawP50Ms: drawTimes[Math.floor(drawTimes.length / 2)], panDrawP95Ms: drawTimes[Math.floor(drawTimes.length * 0.95)],
  };
}, { modelText: model, frames });
await browser.close();
process.stdout.write(JSON.stringify(result) + "\n");
