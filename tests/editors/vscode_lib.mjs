// What the UI scripts of the VS Code tests share (vscode_ui.mjs, vscode_diagram_ui.mjs): the
// browser (Debian's chromium through playwright-core), the page, the result they write, bounded
// waits, screenshots, steps, and the ways a person drives VS Code (Quick Open, Go to Line, the
// command palette) and reads it (the status bar, the active tab, the cursor).
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium } from "playwright-core";

export async function launch(cfg) {
  const T = cfg.timeoutMs ?? 60000;
  const result = { steps: {}, errors: {}, screenshots: {}, notifications: [], console: [], ms: {} };
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
    const t0 = Date.now();
    try {
      result.steps[name] = await fn();
      result.ms[name] = Date.now() - t0; // wall time of the step (for bench/, never asserted)
    } catch (e) {
      result.errors[name] = String(e && e.stack ? e.stack : e);
    }
    await shot(name);
  }

  async function statusText(id) {
    const loc = page.locator(`[id="${id}"]`);
    // A short read: the element may go between the count and the read (the caller retries).
    return (await loc.count()) ? (await loc.first().innerText({ timeout: 2000 }).catch(() => "")).trim() : "";
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
    const input = page.locator(".quick-input-widget input.input");
    // A webview holding the focus (the diagram, just clicked) can swallow the key before the
    // workbench sees it: press it again while Quick Open has not opened.
    await until("Quick Open to open", async () => {
      if (await input.isVisible()) {
        return true;
      }
      await page.keyboard.press("Control+P");
      await input.waitFor({ state: "visible", timeout: 5000 }).catch(() => {});
      return await input.isVisible();
    });
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

  /** Open the workbench and wait for the extension's status item to count the indexed files. */
  async function openWorkbench(ready) {
    await page.goto(cfg.url, { waitUntil: "commit", timeout: cfg.startTimeoutMs ?? 2 * T });
    await page.locator(".monaco-workbench").waitFor({ timeout: cfg.startTimeoutMs ?? 2 * T });
    // The extension activates on a workspace holding .dbmt files and shows its status item; it
    // is ready once the server answered dbmt/status (the file count) and, when the caller says
    // what it should then read (`ready`, a regex source), once it reads that: the file count
    // and the error count come separately (the error count follows the diagnostics, which the
    // server publishes after its first check), so a first look may catch the one without the
    // other.
    let status = await until("the dbmt status bar item to show the indexed files", async () => {
      const t = await dbmtStatus();
      return /\d+ files?/.test(t) ? t : "";
    }, cfg.startTimeoutMs ?? 2 * T);
    if (ready) {
      const want = new RegExp(ready);
      // Not reading it in time is the caller's failure to report (with what it read instead),
      // not a workbench that did not come up.
      status = await until(`the dbmt status bar item to read /${want.source}/`, async () => {
        const t = await dbmtStatus();
        return want.test(t) ? t : "";
      }).catch(async () => await dbmtStatus());
    }
    return { title: await page.title(), status };
  }

  return { T, browser, page, result, sleep, until, shot, step, statusText, dbmtStatus, activeTab, cursor, quickOpen, gotoLineCol, runCommand, openWorkbench };
}
