// The benchmark anchor: the official DBML compiler (@dbml/parse) run end to end on one DBML
// file (or on every *.dbml file under a directory, as a multi-file project), the way
// @dbml/core drives it: lex, parse, validate, bind, interpret. Prints the error count.
//
//   node bench/anchor.mjs FILE.dbml            one file, Compiler.interpretFile
//   node bench/anchor.mjs DIR                  every *.dbml under DIR, Compiler.interpretProject
//   node bench/anchor.mjs FILE --errors N      also print the first N errors (for debugging)
//
// Exits 0 whatever the number of errors (the harness reads the count); 2 on usage/IO errors.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { Compiler, MemoryProjectLayout, Filepath } from '@dbml/parse';

function usage(msg) {
  process.stderr.write(`anchor.mjs: ${msg}\nusage: node anchor.mjs FILE.dbml|DIR [--errors N]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let target;
let showErrors = 0;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--errors') showErrors = Number(args[++i] ?? 10);
  else if (target === undefined) target = args[i];
  else usage(`unexpected argument ${args[i]}`);
}
if (target === undefined) usage('missing input');

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (name.endsWith('.dbml')) out.push(p);
  }
  return out;
}

let files;
let isDir;
try {
  const abs = resolve(target);
  isDir = statSync(abs).isDirectory();
  files = isDir ? walk(abs, []) : [abs];
} catch (e) {
  usage(String(e.message ?? e));
}
if (files.length === 0) usage(`no .dbml file under ${target}`);

const layout = new MemoryProjectLayout();
const paths = [];
for (const f of files) {
  // Filepath wants POSIX absolute paths.
  const fp = Filepath.from(f.split(sep).join('/'));
  layout.setSource(fp, readFileSync(f, 'utf8'));
  paths.push(fp);
}
const compiler = new Compiler(layout);

// Collect every error of every stage. The reports are cached by the compiler, so asking each
// stage separately costs nothing extra; a Set removes errors reported by more than one stage.
const errors = new Set();
const add = (report) => { for (const e of report.getErrors()) errors.add(e); };
if (isDir) {
  add(compiler.interpretProject());
} else {
  const fp = paths[0];
  add(compiler.parseFile(fp));
  add(compiler.bindFile(fp));
  add(compiler.interpretFile(fp));
}

process.stdout.write(`errors ${errors.size}\n`);
if (showErrors > 0) {
  let n = 0;
  for (const e of errors) {
    if (n++ >= showErrors) break;
    const where = e.nodeOrToken?.startPos ? ` at ${e.nodeOrToken.startPos.line + 1}:${e.nodeOrToken.startPos.column + 1}` : '';
    process.stdout.write(`  [${e.code}]${where} ${e.diagnostic}\n`);
  }
}
process.exit(0);
