// The diagram panel (command *dbmt: Open Diagram*): a webview beside the editor showing the
// server's `dbmt/diagram` model, laid out and drawn by the webview's script (dist/diagram.js,
// from src/webview/ and editors/diagram/). This side asks the server (again on
// `dbmt/diagramChanged`), reveals definitions the webview's clicks name, and keeps dragged
// positions in dbmt-layout.json at the workspace root (read again when it changes on disk).
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { applyDelta, isDelta } from "../../diagram/delta.mjs";
import { formatSaved, LAYOUT_FILE, parseSaved } from "../../diagram/saved.mjs";

type Positions = Record<string, { x: number; y: number }>;
type Filter = Record<string, unknown>;
interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface Model {
  version: number;
  revision: number;
  root: string;
  tables: { id: string }[];
  edges: { id: string }[];
}
/** The server's answer to `since`: the tables and edges that changed, every id in order. */
interface Delta extends Model {
  since: number;
  tableIds: string[];
  edgeIds: string[];
}

/** Messages from the webview. */
type FromWebview =
  | { type: "ready" }
  | { type: "resync" }
  | { type: "reveal"; uri: string; range: Range }
  | { type: "moved"; positions: Positions }
  | { type: "filter"; filter: Filter }
  | { type: "drawn"; revision: number; tables: number; edges: number; ms: number };

export class DiagramPanel {
  private static current: DiagramPanel | undefined;
  private filter: Filter = {};
  private revision = -1;
  private inflight: Promise<void> | undefined;
  private again = false;
  private root: vscode.Uri | undefined;
  private positions: Positions = {};
  private writing: Promise<void> = Promise.resolve();
  // dbmt-layout.json changed on disk by something else (a checkout, a merge, another editor):
  // the positions are read again and replace the webview's.
  private watcher: vscode.FileSystemWatcher | undefined;
  private lastWritten: string | undefined;
  private replaceSaved = false;
  // What the webview holds: the last model posted (each table and edge as JSON, by id) and its
  // number. A new model goes over as a patch against it: the tables and edges that changed and
  // the order of the ids; the rest (files, groups, enums, views) whole. At 2,000 tables the whole
  // model is 7 MB, and posting it to the webview took longer than building it.
  private seq = 0;
  private sent: { tables: Map<string, string>; edges: Map<string, string> } | undefined;
  // The last model received (for `filter`): the server is asked what changed since its
  // revision, and answers with a delta (docs/lsp.md, "Deltas": a few kB instead of 7 MB).
  private model: Model | undefined;

  static open(extensionUri: vscode.Uri, client: () => LanguageClient | undefined, log: (line: string) => void): void {
    if (DiagramPanel.current) {
      DiagramPanel.current.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel("dbmt.diagram", "dbmt Diagram", vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist")],
    });
    DiagramPanel.current = new DiagramPanel(panel, extensionUri, client, log);
  }

  /** The server told a new revision of the model: ask again (if a panel is open). */
  static changed(revision: number): void {
    const p = DiagramPanel.current;
    if (p && revision !== p.revision) {
      void p.refresh();
    }
  }

  /** The server (re)started: a panel asks the new one. */
  static restarted(): void {
    const p = DiagramPanel.current;
    if (p) {
      p.revision = -1;
      void p.refresh();
    }
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly client: () => LanguageClient | undefined,
    private readonly log: (line: string) => void,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, "images", "icon.png");
    panel.webview.html = this.html();
    panel.onDidDispose(() => {
      DiagramPanel.current = undefined;
      this.watcher?.dispose();
    });
    panel.webview.onDidReceiveMessage((m: FromWebview) => this.receive(m));
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = [...crypto.getRandomValues(new Uint8Array(18))].map((b) => b.toString(16).padStart(2, "0")).join("");
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "dist", "diagram.js"));
    const style = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "dist", "diagram.css"));
    // Nothing remote, nothing inline: the script by nonce, the stylesheet from the extension.
    const csp = [
      "default-src 'none'",
      `style-src ${w.cspSource}`,
      `img-src ${w.cspSource} data:`,
      `font-src ${w.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}">
<title>dbmt Diagram</title>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Diagram filters"></div>
<div id="stage"><svg id="canvas" xmlns="http://www.w3.org/2000/svg" aria-label="ER diagram"><g id="viewport"><g id="layer-files"></g><g id="layer-groups"></g><g id="layer-edges"></g><g id="layer-tables"></g></g></svg></div>
<div id="status" aria-live="polite">asking the language server…</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  private async receive(m: FromWebview): Promise<void> {
    switch (m.type) {
      case "ready":
      case "resync":
        // A (re)loaded webview, or one that missed a model: the next one goes whole.
        this.sent = undefined;
        this.revision = -1;
        await this.refresh();
        break;
      case "reveal":
        await this.reveal(m.uri, m.range);
        break;
      case "moved":
        await this.savePositions(m.positions);
        break;
      case "filter":
        this.filter = m.filter ?? {};
        this.revision = -1;
        await this.refresh();
        break;
      case "drawn":
        this.log(`diagram: revision ${m.revision} drawn (${m.tables} tables, ${m.edges} edges) in ${m.ms} ms`);
        break;
    }
  }

  /** Ask the server for the model (one request at a time; a change meanwhile asks once more). */
  private refresh(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      do {
        this.again = false;
        await this.request();
      } while (this.again);
    })().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async request(): Promise<void> {
    const c = this.client();
    if (!c || !c.isRunning()) {
      void this.panel.webview.postMessage({ type: "error", message: "The dbmt language server is not running (see dbmt: Show Output)." });
      return;
    }
    const filter = this.filter;
    // A revision of -1 means start over (a filter changed, a webview reloaded, a server restarted).
    const base = this.revision >= 0 ? this.model : undefined;
    let answer: Model | Delta;
    const t0 = Date.now();
    try {
      answer = await c.sendRequest<Model | Delta>("dbmt/diagram", {
        ...(Object.keys(filter).length ? { filter } : {}),
        ...(base ? { since: base.revision } : {}),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      void this.panel.webview.postMessage({ type: "error", message });
      return;
    }
    let model: Model;
    let changed: { tables: { id: string }[]; edges: { id: string }[] } | undefined;
    if (isDelta(answer)) {
      const d = answer as Delta;
      if (!base || d.since !== base.revision) {
        this.revision = -1; // not against what is here: ask for the whole model
        this.again = true;
        return;
      }
      model = applyDelta(base, d) as Model;
      changed = { tables: d.tables, edges: d.edges };
    } else {
      model = answer;
    }
    this.log(
      `diagram: revision ${model.revision} received in ${Date.now() - t0} ms (${model.tables.length} tables` +
        (changed ? `, ${changed.tables.length} changed)` : ")"),
    );
    this.revision = model.revision;
    this.model = model;
    const root = vscode.Uri.parse(model.root);
    if (!this.root || this.root.toString() !== root.toString()) {
      this.root = root;
      this.positions = await this.readPositions();
      this.watchLayout();
    }
    const replace = this.replaceSaved;
    this.replaceSaved = false;
    this.post(model, filter, replace, changed);
  }

  /** The model to the webview: whole the first time, then as a patch against the last one
   * (`changed`: the tables and edges a server delta named, else found by comparing). */
  private post(
    model: Model,
    filter: Filter,
    replace: boolean,
    changed?: { tables: { id: string }[]; edges: { id: string }[] },
  ): void {
    const json = (list: { id: string }[]) => new Map(list.map((x) => [x.id, JSON.stringify(x)]));
    const base = this.seq;
    const seq = ++this.seq;
    const prev = this.sent;
    if (!prev) {
      this.sent = { tables: json(model.tables), edges: json(model.edges) };
      void this.panel.webview.postMessage({ type: "model", seq, model, saved: this.positions, filter, replace });
      return;
    }
    let tables: { id: string }[];
    let edges: { id: string }[];
    if (changed) {
      // Only the changed items are serialized again; the others keep what was sent.
      const update = (list: { id: string }[], delta: { id: string }[], before: Map<string, string>) => {
        const now = json(delta);
        return new Map(list.map((x) => [x.id, now.get(x.id) ?? before.get(x.id) ?? JSON.stringify(x)]));
      };
      this.sent = { tables: update(model.tables, changed.tables, prev.tables), edges: update(model.edges, changed.edges, prev.edges) };
      tables = changed.tables;
      edges = changed.edges;
    } else {
      const now = { tables: json(model.tables), edges: json(model.edges) };
      const differ = (list: { id: string }[], m: Map<string, string>, before: Map<string, string>) =>
        list.filter((x) => before.get(x.id) !== m.get(x.id));
      tables = differ(model.tables, now.tables, prev.tables);
      edges = differ(model.edges, now.edges, prev.edges);
      this.sent = now;
    }
    const { tables: _t, edges: _e, ...rest } = model;
    void this.panel.webview.postMessage({
      type: "patch",
      seq,
      base,
      model: rest,
      tableIds: model.tables.map((t) => t.id),
      tables,
      edgeIds: model.edges.map((e) => e.id),
      edges,
      saved: this.positions,
      filter,
      replace,
    });
  }

  private layoutUri(): vscode.Uri | undefined {
    return this.root && vscode.Uri.joinPath(this.root, LAYOUT_FILE);
  }

  private watchLayout(): void {
    this.watcher?.dispose();
    if (!this.root) {
      return;
    }
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(this.root, LAYOUT_FILE));
    const changed = () => void this.layoutChanged();
    this.watcher.onDidChange(changed);
    this.watcher.onDidCreate(changed);
    this.watcher.onDidDelete(changed);
  }

  /** The layout file changed on disk: unless it is what this panel wrote last, its positions
   * replace the ones shown (a deleted file: the automatic layout everywhere). */
  private async layoutChanged(): Promise<void> {
    await this.writing;
    const text = await this.readLayoutText();
    if (text !== undefined && text === this.lastWritten) {
      return;
    }
    this.lastWritten = undefined;
    this.positions = await this.readPositions();
    this.log(`diagram: ${LAYOUT_FILE} changed on disk: ${Object.keys(this.positions).length} saved positions read again`);
    this.replaceSaved = true;
    this.revision = -1;
    await this.refresh();
  }

  private async readLayoutText(): Promise<string | undefined> {
    const uri = this.layoutUri();
    if (!uri) {
      return undefined;
    }
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined; // no file (yet, or any more)
    }
  }

  private async readPositions(): Promise<Positions> {
    const text = await this.readLayoutText();
    if (text === undefined) {
      return {}; // no file yet: nothing was dragged
    }
    const r = parseSaved(text);
    if (r.error) {
      this.log(`diagram: ${r.error}`);
      void vscode.window.showWarningMessage(`dbmt: ${r.error}.`);
    }
    return r.positions as Positions;
  }

  private savePositions(moved: Positions): Promise<void> {
    const uri = this.layoutUri();
    if (!uri) {
      return Promise.resolve();
    }
    Object.assign(this.positions, moved);
    const text = formatSaved(this.positions);
    this.lastWritten = text;
    this.writing = this.writing.then(async () => {
      try {
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
      } catch (err) {
        void vscode.window.showErrorMessage(`dbmt: could not write ${uri.fsPath}: ${String(err)}`);
      }
    });
    return this.writing;
  }

  private async reveal(uri: string, range: Range): Promise<void> {
    const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
    const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
    await vscode.window.showTextDocument(vscode.Uri.parse(uri), { selection: r, viewColumn: column, preserveFocus: false });
  }
}
