// dbmt-layout.json: the table positions a user dragged, kept beside the schema and versioned with
// it. Small and reviewable: stable key order (table ids sorted by code point) and one table per
// line, so a drag shows as a one-line diff.
//
//   {
//     "version": 1,
//     "tables": {
//       "t:shoes/shoes.dbmt#public.Shoes": {"x": 120, "y": 40},
//       ...
//     }
//   }
export const LAYOUT_FILE = "dbmt-layout.json";

/** The file's text for `positions` (table id → {x, y}); integers, ids sorted. */
export function formatSaved(positions) {
  const ids = Object.keys(positions).filter((id) => {
    const p = positions[id];
    return p && Number.isFinite(p.x) && Number.isFinite(p.y);
  });
  ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = ids.map((id) => `    ${JSON.stringify(id)}: {"x": ${Math.round(positions[id].x)}, "y": ${Math.round(positions[id].y)}}`);
  return `{\n  "version": 1,\n  "tables": {${lines.length ? "\n" + lines.join(",\n") + "\n  " : ""}}\n}\n`;
}

/** Positions from the file's text: {positions, error}; a broken file gives no positions and a
 * sentence saying what is wrong (the diagram is then laid out as if it did not exist). */
export function parseSaved(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { positions: {}, error: `${LAYOUT_FILE} is not valid JSON (${e.message}); its positions are ignored` };
  }
  if (!data || typeof data !== "object" || data.version !== 1 || typeof data.tables !== "object" || data.tables === null) {
    return { positions: {}, error: `${LAYOUT_FILE} is not a version 1 layout ({"version": 1, "tables": {…}}); its positions are ignored` };
  }
  const positions = {};
  for (const [id, p] of Object.entries(data.tables)) {
    if (p && Number.isFinite(p.x) && Number.isFinite(p.y)) {
      positions[id] = { x: Math.round(p.x), y: Math.round(p.y) };
    }
  }
  return { positions, error: null };
}
