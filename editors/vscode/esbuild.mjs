// Bundles the extension (src/extension.ts and its npm dependencies) into dist/extension.js, the
// one file the .vsix ships. `--production` minifies and drops the source map; `--watch` rebuilds.
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

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  fs.rmSync("dist", { recursive: true, force: true });
  await esbuild.build(options);
}
