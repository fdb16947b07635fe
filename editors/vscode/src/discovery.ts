// Finds the language server the way users expect: the configured `dbmt.server.path`, else
// `dbmt-lsp` on PATH, else `python -m dbmt` with the Python extension's selected interpreter.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import which from "which";
import { PythonExtension } from "@vscode/python-extension";

export interface ServerCommand {
  command: string;
  args: string[];
  /** How it was found, said in the output channel and the status bar's tooltip. */
  origin: string;
}

export type Discovery =
  | { kind: "found"; server: ServerCommand }
  | { kind: "bad-path"; configured: string; resolved: string }
  | { kind: "missing"; tried: string[] };

const PYTHON_EXTENSION = "ms-python.python";

/** `~` and `${workspaceFolder}` expanded; a relative path is taken from the first folder. */
export function expandPath(raw: string): string {
  let p = raw.trim();
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder) {
    p = p.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (p === "~" || p.startsWith("~/")) {
    p = path.join(os.homedir(), p.slice(1));
  }
  if (!path.isAbsolute(p) && p.includes(path.sep) && folder) {
    p = path.join(folder, p);
  }
  return p;
}

export async function discover(log: (line: string) => void): Promise<Discovery> {
  const cfg = vscode.workspace.getConfiguration("dbmt");
  const extra = cfg.get<string[]>("server.args", []) ?? [];
  const configured = (cfg.get<string>("server.path", "") ?? "").trim();
  const tried: string[] = [];

  if (configured) {
    const resolved = expandPath(configured);
    // A bare command name is looked up on PATH like any other.
    const onPath = resolved.includes(path.sep) ? null : await which(resolved, { nothrow: true });
    const exe = onPath ?? resolved;
    if (isExecutable(exe)) {
      return { kind: "found", server: { command: exe, args: extra, origin: `dbmt.server.path (${exe})` } };
    }
    return { kind: "bad-path", configured, resolved: exe };
  }

  const onPath = await which("dbmt-lsp", { nothrow: true });
  tried.push("`dbmt-lsp` on PATH");
  if (onPath) {
    return { kind: "found", server: { command: onPath, args: extra, origin: `dbmt-lsp on PATH (${onPath})` } };
  }

  tried.push("`python -m dbmt` with the Python extension's interpreter");
  const python = await activeInterpreter(log);
  if (python) {
    if (await runsDbmt(python, log)) {
      return {
        kind: "found",
        server: { command: python, args: ["-m", "dbmt", ...extra], origin: `python -m dbmt (${python}, the Python extension's interpreter)` },
      };
    }
  }
  return { kind: "missing", tried };
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The interpreter the Python extension has selected for the first workspace folder, if that
 * extension is installed. */
export async function activeInterpreter(log: (line: string) => void): Promise<string | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION)) {
    return undefined;
  }
  try {
    const api = await PythonExtension.api();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const env = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(folder));
    return env?.executable.uri?.fsPath;
  } catch (err) {
    log(`the Python extension did not give an interpreter: ${String(err)}`);
    return undefined;
  }
}

/** Subscribe to the Python extension's interpreter changes (when it is installed). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION)) {
    return undefined;
  }
  try {
    const api = await PythonExtension.api();
    return api.environments.onDidChangeActiveEnvironmentPath(() => listener());
  } catch {
    return undefined;
  }
}

function runsDbmt(python: string, log: (line: string) => void): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ["-m", "dbmt", "--version"], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) {
        log(`${python} -m dbmt --version failed: ${(stderr || String(err)).trim().split("\n").pop()}`);
        resolve(false);
      } else {
        log(`${python} -m dbmt: ${stdout.trim()}`);
        resolve(true);
      }
    });
  });
}
