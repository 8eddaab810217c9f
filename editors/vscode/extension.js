// Minimal client: starts `dockerfix lsp --stdio` for Dockerfiles and Containerfiles.
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const cfg = vscode.workspace.getConfiguration('dockerfix');
  const command = cfg.get('path') || 'dockerfix';
  const serverOptions = { command, args: ['lsp', '--stdio'], transport: TransportKind.stdio, options: { shell: process.platform === 'win32' } };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'dockerfile' },
      { scheme: 'file', pattern: '**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile,Containerfile,Containerfile.*}' },
    ],
    initializationOptions: {
      formatting: cfg.get('formatting') === true,
      ...(cfg.get('config') ? { config: cfg.get('config') } : {}),
    },
    // Manifests, lockfiles, .dockerignore, config and compose files change what dockerfix offers.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*') },
  };
  client = new LanguageClient('dockerfix', 'dockerfix', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
