// Classifies DBML files with the official DBML tools, for bench/conformance.py and bench/corpus.py.
//
// stdin: JSON list of jobs, each {"files": [absolute paths]}. Every file of a job is loaded into
// one project (a job of one file is that file alone; a job of several is a multi-file project
// whose files `use` one another) and each is taken as the entry point.
// stdout: JSON object, path -> {"ok": bool, "msgs": [...], "core_ok": bool, "core_msgs": [...]}
// (at most 5 messages, "message @line"):
//   ok / msgs             @dbml/parse 10.2 (the official compiler): the errors of
//                         Compiler.interpretFile(entry) — lex, parse, validate, bind, interpret,
//                         the entry point and what it uses. This is the verdict dbmt follows.
//   core_ok / core_msgs   @dbml/core 10.2 (`Parser.parse(text, 'dbmlv2')`, `parseDbmlProject`):
//                         the same compiler, then @dbml/core's Database model, which throws on a
//                         few more things (e.g. a ~partial whose inline ref points at its own
//                         column once injected: "Two endpoints are the same").
import fs from 'fs';
import { Parser } from '@dbml/core';
import { Compiler, MemoryProjectLayout, Filepath } from '@dbml/parse';

function coreMessages(e) {
  const diags = (e && e.diags) || [];
  if (!diags.length) return [String(e && e.message ? e.message : e).slice(0, 300)];
  return diags.slice(0, 5).map((d) => {
    const line = d.location && d.location.start ? d.location.start.line : '?';
    return `${d.message} @${line}`;
  });
}

function posix(p) {
  return p.split('\\').join('/');
}

const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = {};
for (const job of jobs) {
  const files = job.files;
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const layout = new MemoryProjectLayout();
  files.forEach((f, i) => layout.setSource(Filepath.from(posix(f)), texts[i]));
  const compiler = new Compiler(layout);
  const parser = files.length > 1 ? new Parser() : null;
  if (parser) files.forEach((f, i) => parser.setDbmlSource(f, texts[i]));
  files.forEach((f, i) => {
    let errors;
    try {
      errors = compiler.interpretFile(Filepath.from(posix(f))).getErrors();
    } catch (e) {
      errors = [{ diagnostic: `the compiler threw: ${String(e && e.message ? e.message : e).slice(0, 200)}` }];
    }
    const msgs = errors.slice(0, 5).map((e) => {
      const line = e.nodeOrToken && e.nodeOrToken.startPos ? e.nodeOrToken.startPos.line + 1 : '?';
      return `${e.diagnostic} @${line}`;
    });
    let coreOk = true;
    let coreMsgs = [];
    try {
      if (parser) parser.parseDbmlProject(f);
      else Parser.parse(texts[i], 'dbmlv2');
    } catch (e) {
      coreOk = false;
      coreMsgs = coreMessages(e);
    }
    out[f] = { ok: errors.length === 0, msgs, core_ok: coreOk, core_msgs: coreMsgs };
  });
}
process.stdout.write(JSON.stringify(out));
