// A `dbmt/diagram` delta applied to the model it was computed against (docs/lsp.md, "Deltas"):
// the server sends the tables and edges that are new or changed and every id in order; the rest
// of the model (files, enums, groups, views, revision, filter) comes whole. The VS Code extension
// applies the server's deltas, its webview the same shape of patch from the extension, and
// bench/diagram_layout.mjs the server's.

/** Whether a `dbmt/diagram` result is a delta (it says which revision it changes). */
export function isDelta(result) {
  return result !== null && typeof result === "object" && typeof result.since === "number";
}

/** The model `delta` describes, from `base` (its tables and edges by id; `base` is not changed).
 * Throws when an id is neither in `base` nor in the delta: the delta is not against `base`. */
export function applyDelta(base, delta) {
  const { since: _since, tableIds, edgeIds, tables, edges, ...rest } = delta;
  return {
    ...rest,
    tables: merge(base.tables, tables, tableIds, "table"),
    edges: merge(base.edges, edges, edgeIds, "edge"),
  };
}

function merge(before, changed, ids, what) {
  const byId = new Map(before.map((x) => [x.id, x]));
  for (const x of changed) byId.set(x.id, x);
  return ids.map((id) => {
    const x = byId.get(id);
    if (x === undefined) {
      throw new Error(`diagram delta: ${what} '${id}' is neither in the model it changes nor in the delta`);
    }
    return x;
  });
}
