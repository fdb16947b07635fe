// The hands and eyes of tests/editors/test_vscode_diagram.py: opens the dbmt diagram in VS Code
// (code-server) with the editor-title button, and writes down what its webview draws (the ids
// of the table and edge elements), what an edit adding a table changes, where a click on a table
// lands, and what a drag writes. Asserts nothing itself: pytest reads the JSON and decides.
//
//   node vscode_diagram_ui.mjs CONFIG.json   (CONFIG: url, chromium, artifacts, timeoutMs, steps)
import * as fs from "node:fs";
import * as path from "node:path";
import { launch } from "./vscode_lib.mjs";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const s = cfg.steps;
const { browser, page, result, sleep, until, shot, step, activeTab, cursor, quickOpen, runCommand, openWorkbench } = await launch(cfg);

/** The webview's own frame (code-server nests it: iframe.webview → #active-frame). */
async function diagramFrame() {
  return until("the diagram webview's frame", async () => {
    for (const f of page.frames()) {
      try {
        if (await f.evaluate(() => Boolean(document.getElementById("layer-tables") && document.body.dataset.revision))) {
          return f;
        }
      } catch {
        // a frame navigating or gone
      }
    }
    return null;
  });
}

/** What the webview shows: the drawn table and edge elements, its counts, its status line. */
function drawnState(frame) {
  return frame.evaluate(() => ({
    revision: Number(document.body.dataset.revision),
    modelTables: Number(document.body.dataset.tables),
    modelEdges: Number(document.body.dataset.edges),
    tables: [...document.querySelectorAll("#layer-tables g.table")].map((e) => e.getAttribute("data-id")),
    edges: [...document.querySelectorAll("#layer-edges g.edge")].map((e) => e.getAttribute("data-id")),
    groups: [...document.querySelectorAll("#layer-groups g.group")].map((e) => e.getAttribute("data-id")),
    relationLabels: [...document.querySelectorAll("#layer-edges g.edge.kind-relation text.label")].map((e) => e.textContent),
    generated: [...document.querySelectorAll("#layer-tables g.column.generated")].length,
    badges: [...document.querySelectorAll("#layer-tables g.badge")].map((e) => e.textContent),
    status: document.getElementById("status").textContent,
    update: document.body.dataset.update ?? "",
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content") ?? "",
    background: getComputedStyle(document.body).backgroundColor,
  }));
}

let frame;

await step("workbench", openWorkbench);

await step("open", async () => {
  // The editor-title button, shown for a dbmt file. The side bar closed, so the diagram beside
  // the editor is wide enough to draw the tables' columns.
  await quickOpen(s.open.file);
  await runCommand("View: Close Primary Side Bar");
  const button = page.locator('.editor-actions [aria-label="dbmt: Open Diagram"], .editor-actions [aria-label="Open Diagram"]').first();
  await button.waitFor({ state: "visible" });
  await button.click();
  frame = await diagramFrame();
  // Every table in the DOM; with `culled` (thousands of tables: off-screen ones are not drawn),
  // the model's count known and tables drawn.
  const state = await until("the diagram to draw the model's tables", async () => {
    const st = await drawnState(frame);
    return st.tables.length && (s.open.culled ? st.modelTables > 0 : st.tables.length === st.modelTables) ? st : null;
  });
  await sleep(500);
  return { button: true, ...state };
});

if (!frame) {
  for (const name of ["add", "click", "drag", "reload", "filter", "theme", "command"]) {
    result.errors[name] = "not run: the diagram did not open";
  }
} else {
  await step("add", async () => {
    const before = await drawnState(frame);
    // In the first editor group: the diagram stays in view beside it.
    await page.keyboard.press("Control+1");
    await quickOpen(s.add.file);
    await page.keyboard.press("Control+End");
    // insertText, not typing: the editor's auto-closing brackets would double the braces.
    await page.keyboard.insertText(s.add.text);
    const inserted = Date.now();
    const after = await until(`the diagram to show ${s.add.table}`, async () => {
      const st = await drawnState(frame);
      return st.revision > before.revision && st.modelTables === before.modelTables + 1 ? st : null;
    });
    // From the edit to the webview's drawing of the revision holding it (its own clock reading,
    // so the polling above adds nothing): a bench figure, never asserted.
    result.ms.editToDrawn = Number(await frame.evaluate(() => document.body.dataset.drawnAt)) - inserted;
    if (s.add.culled) {
      await page.keyboard.press("Control+S");
      return { before: before.revision, after: after.revision, ...after };
    }
    // The viewport stays where it was across the update; "Fit" brings the whole in view.
    await frame.locator("#toolbar button", { hasText: "Fit" }).click();
    const fitted = await until(`${s.add.table} to be drawn`, async () => {
      const st = await drawnState(frame);
      return st.tables.includes(s.add.table) ? st : null;
    });
    await page.keyboard.press("Control+S");
    return { before: before.revision, after: after.revision, ...fitted };
  });

  await step("click", async () => {
    if (s.click.pick) {
      // Zoomed out over thousands of tables only titles are drawn: take the drawn table nearest
      // the middle of the canvas (wholly inside it: the culling draws a margin off-screen too)
      // and zoom in around it (the wheel over it) until it is drawn whole (`t:<file>#<key>`
      // names its file). The zoom keeps the point under the pointer fixed, so it stays there.
      const id = await frame.evaluate(() => {
        const c = document.getElementById("canvas").getBoundingClientRect();
        const cx = c.left + c.width / 2;
        const cy = c.top + c.height / 2;
        let best = null;
        let bestD = Infinity;
        for (const g of document.querySelectorAll("#layer-tables g.table")) {
          const r = g.getBoundingClientRect();
          if (r.width < 1 || r.left < c.left || r.right > c.right || r.top < c.top || r.bottom > c.bottom) continue;
          const d = (r.left + r.width / 2 - cx) ** 2 + (r.top + r.height / 2 - cy) ** 2;
          if (d < bestD) {
            bestD = d;
            best = g.getAttribute("data-id");
          }
        }
        return best;
      });
      if (!id) throw new Error("no drawn table lies wholly inside the canvas");
      let whole = false;
      for (let i = 0; i < 40 && !whole; i++) {
        const el = frame.locator(`#layer-tables g.table[data-id="${id}"]`).first();
        const b = await el.boundingBox({ timeout: 5000 });
        if (!b) throw new Error(`${id} is not drawn after ${i} zoom step(s)`);
        whole = !(await el.evaluate((g) => g.classList.contains("compact")));
        if (!whole) {
          await page.mouse.move(b.x + b.width / 2, b.y + Math.min(b.height / 2, 10));
          await page.mouse.wheel(0, -400);
          await sleep(300);
        }
      }
      if (!whole) throw new Error(`${id} is still drawn as its title only after 40 zoom steps`);
      s.click.table = id;
      s.click.tabName = s.click.table && path.basename(s.click.table.slice(2, s.click.table.indexOf("#")));
      s.drag.table = s.click.table;
      if (s.reload) s.reload.table = s.click.table;
    }
    // The table's title, as a user clicks it (the title's text lies over the head's centre).
    const el = frame.locator(`#layer-tables g.table[data-id="${s.click.table}"] text.name`).first();
    await el.click();
    const tab = await until(`${s.click.tabName} to be the active tab`, async () => ((await activeTab()) === s.click.tabName ? true : null));
    let last = "";
    const pos = await until("the cursor in the opened file", async () => {
      const c = await cursor();
      const settled = c && c === last;
      last = c;
      return settled ? c : "";
    });
    return { tab: tab && s.click.tabName, cursor: pos, table: s.click.table };
  });

  await step("drag", async () => {
    const el = frame.locator(`#layer-tables g.table[data-id="${s.drag.table}"] .head`).first();
    const box = await el.boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) {
      await page.mouse.move(x + 8 * i, y + 5 * i);
    }
    await page.mouse.up();
    const text = await until(`${path.basename(s.drag.layoutFile)} to be written`, async () =>
      fs.existsSync(s.drag.layoutFile) ? fs.readFileSync(s.drag.layoutFile, "utf8") : null,
    );
    return { text, moved: await el.boundingBox() };
  });

  await step("reload", async () => {
    // Another tool rewrites dbmt-layout.json (a checkout, a merge): the panel reads it again and
    // draws the table where the file now says, replacing what was dragged.
    // `relative`: a little way from where the drag left it, so that it stays on screen (a
    // table moved out of view is culled, not drawn) among thousands.
    const data = JSON.parse(fs.readFileSync(s.drag.layoutFile, "utf8"));
    const at = data.tables[s.reload.table] ?? { x: 0, y: 0 };
    const to = s.reload.relative ? { x: at.x + s.reload.x, y: at.y + s.reload.y } : { x: s.reload.x, y: s.reload.y };
    data.tables[s.reload.table] = to;
    fs.writeFileSync(s.drag.layoutFile, JSON.stringify(data, null, 2) + "\n");
    const want = `translate(${to.x},${to.y})`;
    const transform = await until(`${s.reload.table} to move to ${want}`, async () => {
      const t = await frame.evaluate(
        (id) => document.querySelector(`#layer-tables g.table[data-id="${id}"]`)?.getAttribute("transform") ?? "",
        s.reload.table,
      );
      return t === want ? t : null;
    });
    return { transform, want, text: fs.readFileSync(s.drag.layoutFile, "utf8") };
  });

  if (s.filter) {
    await step("filter", async () => {
      // The toolbar's filters, as a user picks them: one team's file, then "this table and its
      // neighbours" (Around, one hop: the default), then everything again. "Fit" after each brings what the
      // filter kept into view (the viewport is kept across updates, so part of it could be culled).
      const bar = (name) => frame.locator(`#toolbar [name="${name}"]`);
      async function filtered(what, wantFiltered, action) {
        // Each of these changes the status line: its counts, and "(filtered)" or not.
        const before = (await drawnState(frame)).status;
        await action();
        await until(what, async () => {
          const x = await drawnState(frame);
          return x.status !== before && x.status.includes("(filtered)") === wantFiltered ? x : null;
        });
        await frame.locator("#toolbar button", { hasText: "Fit" }).click();
        return until(`${what}: every table of the model drawn`, async () => {
          const x = await drawnState(frame);
          return x.tables.length === x.modelTables ? x : null;
        });
      }
      const file = await filtered(`the diagram filtered to ${s.filter.file}`, true, () => bar("where").selectOption({ label: s.filter.file }));
      await filtered("the file filter cleared", false, () => bar("where").selectOption({ value: "" }));
      const focus = await filtered(`the diagram around ${s.filter.focus}`, true, () => bar("focus").selectOption({ value: s.filter.focus }));
      const all = await filtered("the focus cleared", false, () => bar("focus").selectOption({ value: "" }));
      return {
        file: { tables: file.tables, status: file.status },
        focus: { tables: focus.tables, edges: focus.edges, status: focus.status },
        all: { tables: all.tables, status: all.status },
      };
    });
  }

  if (s.theme) {
    await step("theme", async () => {
      // VS Code's theme switched as a user does it, with the theme picker: the webview's
      // colours follow, without reopening it.
      const colours = () =>
        frame.evaluate(() => {
          const body = document.querySelector("#layer-tables g.table .body");
          return {
            background: getComputedStyle(document.body).backgroundColor,
            tableFill: body ? getComputedStyle(body).fill : "",
            kind: [...document.body.classList].filter((c) => c.startsWith("vscode-")).join(" "),
          };
        });
      const before = await colours();
      // Preferences: Color Theme, by its keybinding (in the palette "Browse Color Themes in
      // Marketplace" ranks first for that title).
      await page.keyboard.press("Control+K");
      await page.keyboard.press("Control+T");
      const input = page.locator(".quick-input-widget input.input");
      await input.waitFor({ state: "visible" });
      await input.fill(s.theme.theme);
      await until(`the theme picker to list ${s.theme.theme}`, async () => {
        const rows = await page.locator(".quick-input-list .monaco-list-row").allInnerTexts();
        return rows.length > 0 && rows[0].includes(s.theme.theme);
      });
      await page.keyboard.press("Enter");
      const after = await until(`the webview's colours to follow ${s.theme.theme}`, async () => {
        const c = await colours();
        return c.background !== before.background ? c : null;
      });
      await sleep(300);
      await shot("diagram-light");
      return { before, after };
    });
  }

  await step("command", async () => {
    // The command palette's command on the open panel reveals it (one panel, not two).
    await runCommand("dbmt: Open Diagram");
    await sleep(1000);
    const frames = [];
    for (const f of page.frames()) {
      try {
        if (await f.evaluate(() => Boolean(document.getElementById("layer-tables")))) frames.push(f);
      } catch {
        // gone
      }
    }
    return { panels: frames.length };
  });
}

await shot("diagram");
result.notifications = await page
  .locator(".notifications-toasts .notification-list-item-message, .notification-list-item-message")
  .allInnerTexts()
  .catch(() => []);
await browser.close();
fs.writeFileSync(path.join(cfg.artifacts, "vscode-diagram-result.json"), JSON.stringify(result, null, 2));
process.stdout.write(JSON.stringify(result));
