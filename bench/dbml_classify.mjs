// Classifies DBML files with the official parser (@dbml/core, `dbmlv2`), for bench/conformance.py.
//
// stdin: JSON list of jobs, each {"files": [absolute paths]}. A job of one file is parsed alone
// (Parser.parse(text, 'dbmlv2')); a job of several files is a multi-file project: every file is
// loaded into one Parser and each is parsed as the entry point (parseDbmlProject), so `use`
// between them resolves as DBML's CLI resolves it.
// stdout: JSON object, path -> {"ok": bool, "msgs": ["message @line", ...]} (at most 5 messages).
import fs from 'fs';
import { Parser } from '@dbml/core';

function messages(e) {
  const diags = (e && e.diags) || [];
  if (!diags.length) return [String(e && e.message ? e.message : e).slice(0, 300)];
  return diags.slice(0, 5).map((d) => {
    const line = d.location && d.location.start ? d.location.start.line : '?';
    return `${d.message} @${line}`;
  });
}

const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = {};
for (const job of jobs) {
  const files = job.files;
  if (files.length === 1) {
    const f = files[0];
    try {
      Parser.parse(fs.readFileSync(f, 'utf8'), 'dbmlv2');
      out[f] = { ok: true, msgs: [] };
    } catch (e) {
      out[f] = { ok: false, msgs: messages(e) };
    }
    continue;
  }
  const parser = new Parser();
  for (const f of files) parser.setDbmlSource(f, fs.readFileSync(f, 'utf8'));
  for (const f of files) {
    try {
      parser.parseDbmlProject(f);
      out[f] = { ok: true, msgs: [] };
    } catch (e) {
      out[f] = { ok: false, msgs: messages(e) };
    }
  }
}
process.stdout.write(JSON.stringify(out));
