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
import { launch } from "./vscode_lib.mjs";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { browser, page, result, sleep, until, shot, step, dbmtStatus, activeTab, cursor, quickOpen, gotoLineCol, runCommand, openWorkbench } =
  await launch(cfg);

/** Show the hover at the cursor (the command Ctrl+K Ctrl+I runs) and read it. What it shows may
 * arrive after the document opened (its diagnostics, the server's answer): ask again until it
 * has content. */
async function showHover(what) {
  let asked = 0;
  return until(what, async () => {
    const loc = page.locator(".monaco-hover:visible");
    // The hover may close between the count and the read (a busy machine): a short read that
    // gives up, and the loop asks again, rather than one read waiting out the whole bound.
    const t = (await loc.count()) ? (await loc.first().innerText({ timeout: 2000 }).catch(() => "")).trim() : "";
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
  return (await loc.count()) ? (await loc.first().innerText({ timeout: 2000 }).catch(() => "")).trim() : "";
}

// -- the session ------------------------------------------------------------------------------
await step("workbench", () => openWorkbench(cfg.steps.workbench?.status));

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
  // The status bar re-counts a moment after the diagnostics change (debounced).
  const status = await until(`the status bar to read /${s.problem.status}/`, async () => {
    const t = await dbmtStatus();
    return new RegExp(s.problem.status).test(t) ? t : "";
  }).catch(async () => await dbmtStatus()); // the test reports what it read instead
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
    const t = (await loc.first().innerText({ timeout: 2000 }).catch(() => "")).trim();
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
