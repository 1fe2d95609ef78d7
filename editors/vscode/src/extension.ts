// The authlint extension: starts `authlint server` (the language server, over stdio) for
// applications and identity providers exported from WSO2 Identity Server / Asgardeo, and shows
// its diagnostics, quick fixes and hovers. All the analysis happens in the server; this file
// only finds the binary, starts it and restarts it.

import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

/** The client's id: VS Code reads `authlint.trace.server` because of it. */
const CLIENT_ID = "authlint";
const CLIENT_NAME = "authlint";

let client: LanguageClient | undefined;
let outputChannel: vscode.LogOutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  context.subscriptions.push(outputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand("authlint.restartServer", () => restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // A new binary needs a new process; the trace level is read by the client itself.
      if (event.affectsConfiguration("authlint.path")) {
        void restart();
      }
    }),
    // Trusting the workspace makes its own `authlint.path` apply.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
  );

  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  outputChannel?.info("Restarting the authlint server");
  await stop();
  await start();
}

async function start(): Promise<void> {
  const channel = outputChannel;
  if (channel === undefined) {
    return;
  }
  const command = serverCommand();
  channel.info(`Starting ${command} server`);

  const executable = {
    command,
    args: ["server"],
    transport: TransportKind.stdio,
    options: { cwd: firstWorkspaceFolder() },
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    // Tenant exports are YAML, JSON or XML files on disk; the server decides which of them
    // are applications or identity providers (and ignores the rest).
    documentSelector: [
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
      { scheme: "file", language: "xml" },
    ],
    outputChannel: channel,
    traceOutputChannel: channel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };

  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  try {
    await newClient.start();
    client = newClient;
  } catch (error) {
    channel.error(`Could not start ${command} server: ${String(error)}`);
    const openSettings = "Open Settings";
    const choice = await vscode.window.showErrorMessage(
      `authlint: could not start \`${command} server\`. Install authlint or set \`authlint.path\` to the binary.`,
      openSettings,
    );
    if (choice === openSettings) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "authlint.path");
    }
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) {
    return;
  }
  try {
    await running.stop();
  } catch (error) {
    outputChannel?.warn(`The authlint server did not stop cleanly: ${String(error)}`);
  }
}

/**
 * The binary to run, from `authlint.path`: a bare name is looked up on PATH by the operating
 * system; `~/...` is under the home directory; any other relative path is relative to the first
 * workspace folder (so `target/debug/authlint` works in a checkout of authlint itself).
 */
function serverCommand(): string {
  const configured = vscode.workspace.getConfiguration("authlint").get<string>("path", "authlint").trim();
  if (configured === "") {
    return "authlint";
  }
  if (configured === "~" || configured.startsWith("~/")) {
    return path.join(os.homedir(), configured.slice(1));
  }
  const isBareName = !configured.includes("/") && !configured.includes("\\");
  if (isBareName || path.isAbsolute(configured)) {
    return configured;
  }
  const folder = firstWorkspaceFolder();
  return folder === undefined ? configured : path.resolve(folder, configured);
}

function firstWorkspaceFolder(): string | undefined {
  const folders = vscode.workspace.workspaceFolders;
  if (folders === undefined || folders.length === 0) {
    return undefined;
  }
  const first = folders[0].uri;
  return first.scheme === "file" ? first.fsPath : undefined;
}
