// The diagram as SVG without an editor: `dbmt-lsp --export svg` runs the bundled copy of this
// file (server/dbmt/export/assets/diagram-render.mjs) with node.
//
//   node render.mjs [SAVED_LAYOUT_JSON] < model.json > diagram.svg
//
// stdin: the dbmt/diagram model (version 1). argv[2]: optional path of a dbmt-layout.json whose
// positions override the computed ones. Exit 0 with the SVG on stdout; 2 with one line on stderr
// when the input is not a version 1 model or the layout file cannot be read.
import * as fs from "node:fs";
import { layout } from "./layout.mjs";
import { parseSaved } from "./saved.mjs";
import { toSvg } from "./svg.mjs";

function fail(msg) {
  process.stderr.write(`diagram-render: ${msg}\n`);
  process.exit(2);
}

let model;
try {
  model = JSON.parse(fs.readFileSync(0, "utf8"));
} catch (e) {
  fail(`stdin is not JSON (${e.message})`);
}
if (!model || model.version !== 1 || !Array.isArray(model.tables) || !Array.isArray(model.edges)) {
  fail(`stdin is not a version 1 dbmt/diagram model (expected {"version": 1, "tables": [...], "edges": [...], ...})`);
}
for (const key of ["files", "enums", "groups", "views"]) {
  model[key] ??= [];
}
let saved = {};
if (process.argv[2]) {
  let text;
  try {
    text = fs.readFileSync(process.argv[2], "utf8");
  } catch (e) {
    fail(`cannot read ${process.argv[2]} (${e.code ?? e.message})`);
  }
  const r = parseSaved(text);
  if (r.error) {
    process.stderr.write(`diagram-render: ${r.error}\n`);
  }
  saved = r.positions;
}
process.stdout.write(toSvg(model, layout(model, saved)));
