// The layout half of bench/diagram_bench.py: reads one dbmt/diagram model per line on stdin,
// lays it out with editors/diagram/layout.mjs (the webview's code, its per-file cache kept across
// models as the webview keeps it), answers one line {"ms", "parseMs", "layoutMs", "nodes", "edges"} per model.
// A line may be a delta (the server's answer to `since`): applied to the model before it, as the
// VS Code extension applies it (editors/diagram/delta.mjs); "parseMs" includes applying it.
import * as readline from "node:readline";
import { applyDelta, isDelta } from "../editors/diagram/delta.mjs";
import { layout } from "../editors/diagram/layout.mjs";

const cache = new Map();
let last;
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  const t0 = performance.now();
  const got = JSON.parse(line);
  const model = isDelta(got) ? applyDelta(last, got) : got;
  last = model;
  const t1 = performance.now();
  const l = layout(model, {}, cache);
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ ms: t2 - t0, parseMs: t1 - t0, layoutMs: t2 - t1, nodes: l.nodes.length, edges: l.edges.length }) + "\n");
}
