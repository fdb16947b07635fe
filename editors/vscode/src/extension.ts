// The dbmt extension: starts `dbmt-lsp` for dbmt (and, when `dbmt.dbml.enabled`, DBML) files,
// passes the `dbmt.*` settings to it, and shows its state in a status bar item. Everything a
// user sees about the language (diagnostics, completion, navigation, hover, semantic tokens)
// comes from the server; this file only connects the two.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from "vscode-languageclient/node";
import { DiagramPanel } from "./diagram";
import { activeInterpreter, discover, Discovery, onInterpreterChange } from "./discovery";
import { StatusItem } from "./status";

const INSTALL = "pip install dbmt";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
let status: StatusItem;
let extensionUri: vscode.Uri;
let usingPython = false;
let starting: Promise<void> | undefined;
const activeProgress = new Set<string | number>();
let statusTimer: NodeJS.Timeout | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionUri = context.extensionUri;
  output = vscode.window.createOutputChannel("dbmt", { log: true });
  status = new StatusItem();
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand("dbmt.restartServer", () => restart()),
    vscode.commands.registerCommand("dbmt.showOutput", () => output.show(true)),
    vscode.commands.registerCommand("dbmt.openDiagram", () => DiagramPanel.open(extensionUri, () => client, log)),
    vscode.languages.onDidChangeDiagnostics(() => scheduleStatus()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("dbmt.server") || e.affectsConfiguration("dbmt.dbml.enabled")) {
        log("settings of the server changed: restarting it");
        void restart();
      }
    }),
  );
  const sub = await onInterpreterChange(() => {
    if (usingPython || client === undefined) {
      log("the Python extension's interpreter changed: looking for the server again");
      void restart();
    }
  });
  if (sub) {
    context.subscriptions.push(sub);
  }
  starting = start();
  await starting;
}

export async function deactivate(): Promise<void> {
  await stop();
}

function log(line: string): void {
  output.info(`[client] ${line}`);
}

function restart(): Promise<void> {
  const run = async () => {
    if (starting) {
      await starting.catch(() => undefined);
    }
    await stop();
    await start();
  };
  starting = run();
  return starting;
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  activeProgress.clear();
  if (c) {
    try {
      await c.stop(5000);
    } catch (err) {
      log(`stopping the server: ${String(err)}`);
    }
    await c.dispose().catch(() => undefined);
  }
}

async function start(): Promise<void> {
  status.setState({ kind: "starting" });
  const found = await discover(log);
  if (found.kind !== "found") {
    usingPython = false;
    status.setOrigin("");
    status.setState({ kind: "stopped", reason: found.kind === "bad-path" ? "dbmt.server.path is not an executable" : "dbmt-lsp not found" });
    void notifyMissing(found);
    return;
  }
  const server = found.server;
  usingPython = server.args[0] === "-m" && server.origin.startsWith("python");
  log(`starting ${server.command} ${server.args.join(" ")} — ${server.origin}`);
  status.setOrigin(server.origin);

  const cfg = vscode.workspace.getConfiguration("dbmt");
  const dbml = cfg.get<boolean>("dbml.enabled", true);
  const languages = dbml ? ["dbmt", "dbml"] : ["dbmt"];
  const serverOptions: ServerOptions = { command: server.command, args: server.args, options: { env: process.env } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: languages.map((language) => ({ scheme: "file", language })),
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // The server reads the `dbmt` section itself (workspace/configuration); this sends it a
    // didChangeConfiguration when any of it changes, so severities apply live.
    synchronize: { configurationSection: "dbmt" },
    initializationOptions: { severity: cfg.get("severity", {}), debounce: cfg.get("debounce", 150) },
    diagnosticPullOptions: { onChange: true, onSave: true },
    middleware: {
      handleWorkDoneProgress: (token, params, next) => {
        progress(token, params);
        next(token, params);
      },
      handleDiagnostics: (uri, diagnostics, next) => next(uri, served(uri) ? diagnostics : []),
      provideWorkspaceDiagnostics: async (resultIds, token, reporter, next) => {
        const report = await next(resultIds, token, (chunk) =>
          reporter(chunk && { items: chunk.items.filter((i) => served(i.uri)) }),
        );
        return report && { items: report.items.filter((i) => served(i.uri)) };
      },
    },
  };
  const c = new LanguageClient("dbmt", "dbmt", serverOptions, clientOptions);
  client = c;
  c.onNotification("dbmt/diagramChanged", (p: { revision: number }) => {
    if (client === c) {
      DiagramPanel.changed(p.revision);
    }
  });
  c.onDidChangeState((e) => {
    if (client !== c) {
      return;
    }
    if (e.newState === State.Running) {
      status.setState({ kind: "ready" });
      scheduleStatus(0);
      DiagramPanel.restarted();
    } else if (e.newState === State.Stopped) {
      status.setState({ kind: "stopped", reason: "the server exited (see the output)" });
    }
  });
  try {
    await c.start();
  } catch (err) {
    log(`the server did not start: ${String(err)}`);
    status.setState({ kind: "stopped", reason: `it did not start: ${String(err)}` });
    void vscode.window
      .showErrorMessage(`dbmt: the language server (${server.origin}) did not start: ${String(err)}`, "Show Output")
      .then((choice) => choice && output.show(true));
  }
}

/** Whether dbmt shows anything for a file (with `dbmt.dbml.enabled` off, .dbml files are left
 * to another extension, though the server still reads them for `use` lines of .dbmt files). */
function served(uri: vscode.Uri): boolean {
  if (!uri.path.toLowerCase().endsWith(".dbml")) {
    return true;
  }
  return vscode.workspace.getConfiguration("dbmt").get<boolean>("dbml.enabled", true);
}

function progress(
  token: string | number,
  params: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd,
): void {
  if (params.kind === "begin") {
    activeProgress.add(token);
    status.setState({ kind: "indexing", message: [params.title, params.message].filter(Boolean).join(": "), percentage: params.percentage });
  } else if (params.kind === "report") {
    if (activeProgress.has(token)) {
      status.setState({ kind: "indexing", message: params.message ?? "", percentage: params.percentage });
    }
  } else {
    activeProgress.delete(token);
    if (activeProgress.size === 0 && client?.state === State.Running) {
      status.setState({ kind: "ready" });
      scheduleStatus(0);
    }
  }
}

/** Ask the server how many files it indexed, and re-count diagnostics (debounced). */
function scheduleStatus(delayMs = 300): void {
  if (statusTimer) {
    clearTimeout(statusTimer);
  }
  statusTimer = setTimeout(() => {
    statusTimer = undefined;
    status.refresh();
    const c = client;
    if (!c || c.state !== State.Running) {
      return;
    }
    c.sendRequest<{ files: number }>("dbmt/status", {}).then(
      (r) => {
        if (client === c) {
          status.setFiles(r.files);
        }
      },
      (err) => log(`dbmt/status: ${String(err)}`),
    );
  }, delayMs);
}

async function notifyMissing(found: Exclude<Discovery, { kind: "found" }>): Promise<void> {
  let message: string;
  let install = INSTALL;
  if (found.kind === "bad-path") {
    message = `dbmt: dbmt.server.path is set to "${found.configured}", but ${found.resolved} is not an executable file.`;
  } else {
    const python = await activeInterpreter(log);
    if (python) {
      install = `"${python}" -m pip install dbmt`;
    }
    message =
      `dbmt: the language server was not found (tried ${found.tried.join(", then ")}). ` +
      `Install it with \`${install}\`, then run "dbmt: Restart Server" — or set dbmt.server.path.`;
  }
  log(message);
  const choice = await vscode.window.showErrorMessage(message, "Open Docs", "Copy Install Command", "Open Settings");
  if (choice === "Open Docs") {
    await vscode.commands.executeCommand("markdown.showPreview", vscode.Uri.joinPath(extensionUri, "README.md"));
  } else if (choice === "Copy Install Command") {
    await vscode.env.clipboard.writeText(install);
  } else if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "dbmt.server");
  }
}
