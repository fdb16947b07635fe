// The official DBML toolchain (@dbml/core) on documents the Python tests hand it: parse each
// one (`dbmlv2`) and export it to PostgreSQL and MySQL with the exporter API.
//
// stdin: JSON list of {"name": …, "text": …}. stdout: JSON object name → {"ok": bool,
// "errors": ["message @line:column", …], "postgres": sql, "mysql": sql}.
import fs from 'fs';
import { Parser, exporter } from '@dbml/core';

function errors(e) {
  const diags = (e && e.diags) || [];
  if (!diags.length) return [String(e && e.message ? e.message : e).slice(0, 500)];
  return diags.slice(0, 10).map((d) => {
    const s = d.location && d.location.start;
    return `${d.message} @${s ? `${s.line}:${s.column}` : '?'}`;
  });
}

const out = {};
for (const { name, text } of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  try {
    Parser.parse(text, 'dbmlv2');
    out[name] = { ok: true, errors: [], postgres: exporter.export(text, 'postgres'), mysql: exporter.export(text, 'mysql') };
  } catch (e) {
    out[name] = { ok: false, errors: errors(e) };
  }
}
process.stdout.write(JSON.stringify(out));
