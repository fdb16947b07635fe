// Bundles the extension (src/extension.ts and its npm dependencies) into dist/extension.js, and
// the diagram webview (src/webview/diagram.ts with editors/diagram's layout and renderer, dagre
// included) into dist/diagram.js and dist/diagram.css: the files the .vsix ships. `--production`
// minifies and drops the source maps; `--watch` rebuilds.
import * as esbuild from "esbuild";
import * as fs from "node:fs";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

const options = {
  entryPoints: ["src/extension.ts"],
  bundle: true,
  outfile: "dist/extension.js",
  external: ["vscode"],
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: "warning",
};

// The webview runs in a browser frame: one classic script (its CSP allows that script by nonce
// and nothing else) and one stylesheet.
const webview = {
  entryPoints: ["src/webview/diagram.ts", "src/webview/diagram.css"],
  bundle: true,
  outdir: "dist",
  format: "iife",
  platform: "browser",
  target: "es2022",
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: "warning",
};

if (watch) {
  await (await esbuild.context(options)).watch();
  await (await esbuild.context(webview)).watch();
} else {
  fs.rmSync("dist", { recursive: true, force: true });
  await esbuild.build(options);
  await esbuild.build(webview);
}
