import * as vscode from 'vscode';
import type { Finding } from '../core/types';

/**
 * The thin editor adapter: convert findings to diagnostics and register.
 * The analyzer is loaded on first use, not at activation, since loading the
 * TypeScript parser costs a few hundred milliseconds.
 */
type Core = typeof import('./core');

let core: Core | undefined;
function loadCore(): Core {
  core ??= require('./core') as Core;
  return core;
}

const LANGUAGES = new Set(['javascript', 'typescript', 'javascriptreact', 'typescriptreact']);

export function activate(context: vscode.ExtensionContext): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('preflight');
  context.subscriptions.push(diagnostics);

  const analyze = (doc: vscode.TextDocument): void => {
    if (!LANGUAGES.has(doc.languageId) || doc.uri.scheme !== 'file') return;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const rel = folder ? vscode.workspace.asRelativePath(doc.uri, false) : doc.fileName;
    const result = loadCore().analyzeDocument(folder?.uri.fsPath, rel, doc.getText());
    diagnostics.set(doc.uri, result.findings.map(toDiagnostic));
  };

  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(analyze),
    vscode.workspace.onDidSaveTextDocument(analyze),
    vscode.workspace.onDidCloseTextDocument((doc) => diagnostics.delete(doc.uri)),
  );
  vscode.workspace.textDocuments.forEach(analyze);
}

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function toDiagnostic(f: Finding): vscode.Diagnostic {
  const range = new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, f.endColumn - 1);
  const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
  d.source = 'Preflight';
  d.code = { value: f.ruleId, target: vscode.Uri.parse(loadCore().docsUrl(f.ruleId)) };
  return d;
}

export function deactivate(): void {}
