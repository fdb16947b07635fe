// The status bar item: the server's state, indexing progress, how many files it indexed
// (`dbmt/status`) and how many dbmt errors and warnings VS Code shows.
import * as vscode from "vscode";

export type ServerState =
  | { kind: "starting" }
  | { kind: "indexing"; message: string; percentage?: number }
  | { kind: "ready" }
  | { kind: "stopped"; reason: string };

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: ServerState = { kind: "starting" };
  private files: number | undefined;
  private origin = "";

  constructor() {
    this.item = vscode.window.createStatusBarItem("dbmt.status", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "dbmt";
    this.render();
    this.item.show();
  }

  setState(state: ServerState): void {
    this.state = state;
    this.render();
  }

  setFiles(files: number | undefined): void {
    this.files = files;
    this.render();
  }

  setOrigin(origin: string): void {
    this.origin = origin;
    this.render();
  }

  /** Re-read the diagnostic counts (called when VS Code's diagnostics change). */
  refresh(): void {
    this.render();
  }

  private counts(): { errors: number; warnings: number } {
    let errors = 0;
    let warnings = 0;
    for (const [, diags] of vscode.languages.getDiagnostics()) {
      for (const d of diags) {
        if (d.source !== "dbmt") {
          continue;
        }
        if (d.severity === vscode.DiagnosticSeverity.Error) {
          errors++;
        } else if (d.severity === vscode.DiagnosticSeverity.Warning) {
          warnings++;
        }
      }
    }
    return { errors, warnings };
  }

  private render(): void {
    const s = this.state;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = { enabledCommands: ["dbmt.restartServer", "dbmt.showOutput", "workbench.actions.view.problems"] };
    this.item.backgroundColor = undefined;
    this.item.command = "workbench.actions.view.problems";
    if (s.kind === "starting") {
      this.item.text = "$(loading~spin) dbmt";
      tip.appendMarkdown("**dbmt**: starting the language server");
    } else if (s.kind === "indexing") {
      const pct = s.percentage !== undefined ? ` ${s.percentage}%` : "";
      this.item.text = `$(loading~spin) dbmt: indexing${pct}`;
      tip.appendMarkdown(`**dbmt**: indexing — ${escape(s.message)}`);
    } else if (s.kind === "stopped") {
      this.item.text = "$(warning) dbmt";
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
      this.item.command = "dbmt.showOutput";
      tip.appendMarkdown(`**dbmt**: the language server is not running — ${escape(s.reason)}`);
    } else {
      const { errors, warnings } = this.counts();
      const files = this.files === undefined ? "" : ` ${this.files} ${this.files === 1 ? "file" : "files"}`;
      const icon = errors > 0 ? "$(error)" : warnings > 0 ? "$(warning)" : "$(check)";
      this.item.text = `${icon} dbmt:${files}, ${errors} ${errors === 1 ? "error" : "errors"}`;
      tip.appendMarkdown(
        `**dbmt**:${files || " ?"} indexed, ${errors} ${errors === 1 ? "error" : "errors"}, ` +
          `${warnings} ${warnings === 1 ? "warning" : "warnings"}`,
      );
    }
    if (this.origin) {
      tip.appendMarkdown(`\n\nServer: ${escape(this.origin)}`);
    }
    tip.appendMarkdown(
      "\n\n[Problems](command:workbench.actions.view.problems) · [Show Output](command:dbmt.showOutput) · " +
        "[Restart Server](command:dbmt.restartServer)",
    );
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
