// The hands and eyes of tests/editors/test_vscode.py: drives VS Code (code-server) in Debian's
// chromium with playwright-core, the way a person does — keyboard shortcuts, Quick Open, the
// command palette — and writes down what the screen shows after each step (the text of the
// Problems panel, the suggest widget, the hover, the token inspector, the active tab and the
// cursor position in the status bar), with a screenshot per step. It asserts nothing itself:
// pytest reads the JSON it writes and decides.
//
//   node vscode_ui.mjs CONFIG.json     (CONFIG: url, chromium, artifacts, timeoutMs, steps)
//
// Every wait is bounded by timeoutMs (a bound for a hung editor, never a measurement).
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium } from "playwright-core";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const T = cfg.timeoutMs ?? 60000;
const result = { steps: {}, errors: {}, screenshots: {}, notifications: [], console: [] };
fs.mkdirSync(cfg.artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.setDefaultTimeout(T);
page.on("console", (m) => {
  if (m.type() === "error" && result.console.length < 50) {
    result.console.push(m.text().slice(0, 500));
  }
});

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `fn` until it returns a truthy value; the last value (or an error) after `timeout`. */
async function until(what, fn, timeout = T) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what} (last: ${String(last).slice(0, 300)})`);
    }
    await sleep(250);
  }
}

async function shot(name) {
  const file = path.join(cfg.artifacts, `${name}.png`);
  try {
    await page.screenshot({ path: file });
    result.screenshots[name] = file;
  } catch (e) {
    result.errors[`${name}:screenshot`] = String(e);
  }
}

async function step(name, fn) {
  if ((cfg.skip ?? []).includes(name)) {
    result.errors[name] = "not run: pytest asked to skip it (the server lacks the feature)";
    return;
  }
  try {
    result.steps[name] = await fn();
  } catch (e) {
    result.errors[name] = String(e && e.stack ? e.stack : e);
  }
  await shot(name);
}

async function statusText(id) {
  const loc = page.locator(`[id="${id}"]`);
  return (await loc.count()) ? (await loc.first().innerText()).trim() : "";
}

async function dbmtStatus() {
  const items = await page.locator(".statusbar-item").allInnerTexts();
  return items.map((t) => t.trim()).find((t) => /\bdbmt\b/.test(t)) ?? "";
}

async function activeTab() {
  // The active tab's accessible name is the file's name (its label splits name and suffix).
  const loc = page.locator(".tabs-container .tab.active");
  return (await loc.count()) ? ((await loc.first().getAttribute("aria-label")) ?? "").split(",")[0].trim() : "";
}

async function cursor() {
  return statusText("status.editor.selection");
}

async function quickOpen(rel) {
  await page.keyboard.press("Control+P");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible" });
  await input.fill(rel);
  const base = path.basename(rel);
  await until(`Quick Open to list ${rel}`, async () => {
    const rows = await page.locator(".quick-input-list .monaco-list-row").allInnerTexts();
    return rows.length > 0 && rows[0].includes(base);
  });
  await page.keyboard.press("Enter");
  await until(`${base} to be the active tab`, async () => (await activeTab()) === base);
  await page.locator(".editor-group-container.active .monaco-editor textarea").first().waitFor();
}

async function gotoLineCol(line, col) {
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}:${col}`);
  await page.keyboard.press("Enter");
  await until(`the cursor at Ln ${line}, Col ${col}`, async () => (await cursor()).startsWith(`Ln ${line}, Col ${col}`));
}

async function runCommand(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input.input");
  await input.waitFor({ state: "visible" });
  await input.fill(`>${title}`);
  await until(`the command "${title}" in the palette`, async () => {
    const rows = await page.locator(".quick-input-list .monaco-list-row").allInnerTexts();
    return rows.length > 0 && rows[0].includes(title);
  });
  await page.keyboard.press("Enter");
}

/** Show the hover at the cursor (the command Ctrl+K Ctrl+I runs) and read it. What it shows may
 * arrive after the document opened (its diagnostics, the server's answer): ask again until it
 * has content. */
async function showHover(what) {
  let asked = 0;
  return until(what, async () => {
    const loc = page.locator(".monaco-hover:visible");
    const t = (await loc.count()) ? (await loc.first().innerText()).trim() : "";
    if (t && !/^Loading/.test(t)) {
      return t;
    }
    if (Date.now() - asked > 3000) {
      await page.keyboard.press("Escape");
      await runCommand("Show or Focus Hover");
      asked = Date.now();
    }
    return "";
  });
}

async function problemRows() {
  const rows = page.locator(".markers-panel .monaco-list-row");
  return rows.evaluateAll((els) =>
    els.map((e) => ({ text: e.innerText.replace(/\s+/g, " ").trim(), label: e.getAttribute("aria-label") ?? "" })),
  );
}

async function problemsEmptyMessage() {
  const loc = page.locator(".markers-panel .message-box-container, .markers-panel .pane-body .message");
  return (await loc.count()) ? (await loc.first().innerText()).trim() : "";
}

// -- the session ------------------------------------------------------------------------------
await step("workbench", async () => {
  await page.goto(cfg.url, { waitUntil: "commit", timeout: cfg.startTimeoutMs ?? 2 * T });
  await page.locator(".monaco-workbench").waitFor({ timeout: cfg.startTimeoutMs ?? 2 * T });
  // The extension activates on a workspace holding .dbmt files and shows its status item; it
  // is ready once the server answered dbmt/status (the file count).
  const status = await until("the dbmt status bar item to show the indexed files", async () => {
    const t = await dbmtStatus();
    return /\d+ files?/.test(t) ? t : "";
  }, cfg.startTimeoutMs ?? 2 * T);
  return { title: await page.title(), status };
});

const s = cfg.steps;
if (result.errors.workbench) {
  // Nothing else can work; say so once instead of timing out in every step.
  for (const name of ["problems", "fix", "definition", "hover", "tokens", "dbml_off", "completion"]) {
    result.errors[name] = "not run: the workbench did not come up";
  }
  await browser.close();
  fs.writeFileSync(path.join(cfg.artifacts, "vscode-result.json"), JSON.stringify(result, null, 2));
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

await step("problems", async () => {
  // The seeded error is in a file nobody opened: the Problems panel gets it from the server's
  // workspace diagnostics.
  await page.keyboard.press("Control+Shift+M");
  await page.locator(".markers-panel").waitFor();
  const rows = await until(`a ${s.problem.code} row in the Problems panel`, async () => {
    const r = await problemRows();
    return r.some((x) => x.text.includes(s.problem.code)) ? r : null;
  });
  const status = await dbmtStatus();
  // Then in the file, at the error: the squiggle and VS Code's hover of the diagnostic.
  await quickOpen(s.problem.file);
  await gotoLineCol(s.problem.line, s.problem.col);
  const hover = await showHover("the diagnostic's hover");
  return { rows, status, hover };
});

await step("fix", async () => {
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+H");
  const find = page.locator(".find-widget textarea[aria-label='Find'], .find-widget .find-part textarea").first();
  await find.waitFor({ state: "visible" });
  await find.fill(s.fix.find);
  const replace = page.locator(".find-widget .replace-part textarea").first();
  await replace.waitFor({ state: "visible" });
  await replace.fill(s.fix.replace);
  await page.keyboard.press("Control+Alt+Enter");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+S");
  const rows = await until(`the ${s.problem.code} row to leave the Problems panel`, async () => {
    const r = await problemRows();
    return r.some((x) => x.text.includes(s.problem.code)) ? null : { r };
  });
  const status = await until("the status bar to count 0 errors", async () => {
    const t = await dbmtStatus();
    return /\b0 errors\b/.test(t) ? t : "";
  });
  return { rows: rows.r, empty: await problemsEmptyMessage(), status };
});

await step("definition", async () => {
  await quickOpen(s.definition.file);
  await gotoLineCol(s.definition.line, s.definition.col);
  const before = await activeTab();
  const beforeCursor = await cursor();
  await page.keyboard.press("F12");
  const tab = await until("another file to open", async () => {
    const t = await activeTab();
    return t && t !== before ? t : "";
  });
  // The status bar follows the new editor a moment later: wait until it moved, then until two
  // reads agree.
  let last = "";
  const pos = await until("the cursor position in the opened file", async () => {
    const c = await cursor();
    const settled = c && c !== beforeCursor && c === last;
    last = c;
    return settled ? c : "";
  });
  return { from: before, tab, cursor: pos };
});

await step("hover", async () => {
  await quickOpen(s.hover.file);
  await gotoLineCol(s.hover.line, s.hover.col);
  return { text: await showHover("the hover of a table") };
});

await step("tokens", async () => {
  await page.keyboard.press("Escape");
  await quickOpen(s.tokens.file);
  await gotoLineCol(s.tokens.line, s.tokens.col);
  await runCommand("Developer: Inspect Editor Tokens and Scopes");
  // The inspector shows "Loading..." until it has computed the token's scopes; read it only
  // once that has passed.
  const settledInspector = async () => {
    const loc = page.locator(".token-inspect-widget");
    if (!(await loc.count())) {
      return "";
    }
    const t = (await loc.first().innerText()).trim();
    return t && !/^loading/i.test(t) ? t : "";
  };
  let latest = await until("the token inspector", settledInspector);
  // Semantic tokens arrive after the document's first paint: while the settled inspector
  // does not show them yet, open it again (it reads the tokens when it opens), until it does
  // or the bound passes (its text is what pytest judges).
  try {
    latest = await until("semantic token information in the inspector", async () => {
      if (/semantic token type/i.test(latest)) {
        return latest;
      }
      await page.keyboard.press("Escape");
      await runCommand("Developer: Inspect Editor Tokens and Scopes");
      latest = await until("the token inspector", settledInspector);
      return /semantic token type/i.test(latest) ? latest : "";
    }, cfg.semanticTimeoutMs ?? T);
  } catch {
    // keep the last text
  }
  return { text: latest };
});

await step("dbml_off", async () => {
  // The setting through the Settings editor, as a user turns it off: dbmt then leaves .dbml
  // files to another extension, and their diagnostics leave the Problems panel.
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+Comma");
  // The Settings editor opens with its search box focused.
  await page.locator(".settings-editor .settings-header").waitFor({ state: "visible" });
  await sleep(500);
  await page.keyboard.type("dbmt.dbml.enabled");
  const box = page.locator('.settings-editor [role="checkbox"][aria-label="dbmt.dbml.enabled"]').first();
  await box.waitFor({ state: "visible" });
  const before = await box.getAttribute("aria-checked");
  await box.click();
  // The Settings editor writes the change a moment after the click; closing it at once can
  // lose it. What counts is the effect, read below.
  await sleep(2000);
  // Close the Settings editor (a modal over the workbench in this VS Code).
  await until("the Settings editor to close", async () => {
    if (!(await page.locator(".settings-editor:visible").count())) {
      return true;
    }
    await page.keyboard.press("Escape");
    return false;
  });
  await page.keyboard.press("Control+Shift+M");
  const rows = await until(`the ${s.dbml.code} row to leave the Problems panel`, async () => {
    const r = await problemRows();
    return r.some((x) => x.text.includes(s.dbml.code)) ? null : { r };
  });
  const status = await until("the restarted server's status", async () => {
    const t = await dbmtStatus();
    return /\d+ files?/.test(t) ? t : "";
  });
  return { before, rows: rows.r, status };
});

await step("completion", async () => {
  await quickOpen(s.completion.file);
  await gotoLineCol(s.completion.line, s.completion.col);
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("%");
  try {
    const rows = await until("the suggest widget to list items", async () => {
      const r = await page.locator(".suggest-widget.visible .monaco-list-row").allInnerTexts();
      return r.length ? r.map((t) => t.replace(/\s+/g, " ").trim()) : null;
    });
    await shot("completion-open");
    return { rows };
  } finally {
    // The last step: the typed line goes again, so the file is left as it was.
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Z");
    await page.keyboard.press("Control+Z");
  }
});

result.notifications = await page
  .locator(".notifications-toasts .notification-list-item-message, .notification-list-item-message")
  .allInnerTexts()
  .catch(() => []);
result.finalStatus = await dbmtStatus().catch(() => "");
await browser.close();
fs.writeFileSync(path.join(cfg.artifacts, "vscode-result.json"), JSON.stringify(result, null, 2));
process.stdout.write(JSON.stringify(result));
