import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { Finding } from '../core/types';
import type { WorkspaceResult } from '../core/workspace';
import { ChecklistViewProvider } from './checklistView';
import { Command } from './commands';
import type { ViewMessage } from './lib/messages';
import { settingsFrom, type Settings } from './lib/settings';
import type { ViewState } from './lib/view-state';

/**
 * The thin editor adapter: convert findings to diagnostics and code actions,
 * register commands, and dispose of everything. All analysis lives in
 * src/core, loaded on first use through ./core.
 */
type Core = typeof import('./core');
type FolderState = import('./core').FolderState;

let core: Core | undefined;
function loadCore(): Core {
  core ??= require('./core') as Core;
  return core;
}

const LANGUAGES: ReadonlySet<string> = new Set(['javascript', 'typescript', 'javascriptreact', 'typescriptreact']);
/** Config files are recognised by path (Dockerfile, .github/workflows/*.yml, .gitignore, .dockerignore, package.json) whatever their language id. */
const CONFIG_LANGUAGES: readonly string[] = ['dockerfile', 'yaml', 'github-actions-workflow', 'ignore', 'json', 'plaintext'];
const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('preflight');
const DOCS_SCHEME = 'preflight-docs';
const ON_TYPE_DELAY_MS = 400;

export function activate(context: vscode.ExtensionContext): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('preflight');
  const states = new Map<string, FolderState>();
  const statusBar = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  const output = vscode.window.createOutputChannel('Preflight');
  context.subscriptions.push(diagnostics, statusBar, output);
  statusBar.command = Command.ShowChecklist;
  statusBar.name = 'Preflight checklist';

  const settingsFor = (folder?: vscode.WorkspaceFolder): Settings => {
    const cfg = vscode.workspace.getConfiguration('preflight', folder?.uri);
    return settingsFrom((key) => cfg.get(key));
  };

  const stateFor = (folder: vscode.WorkspaceFolder | undefined): FolderState | undefined => {
    if (!folder || folder.uri.scheme !== 'file') return undefined;
    let s = states.get(folder.uri.toString());
    if (!s) {
      s = new (loadCore().FolderState)(folder.uri.fsPath, settingsFor(folder));
      states.set(folder.uri.toString(), s);
      if (s.configError) void vscode.window.showWarningMessage(`Preflight: ${s.configError} (defaults used until it is fixed)`);
    }
    return s;
  };

  const updateStatus = (): void => {
    const editor = vscode.window.activeTextEditor;
    const folder = editor ? vscode.workspace.getWorkspaceFolder(editor.document.uri) : vscode.workspace.workspaceFolders?.[0];
    const state = folder ? states.get(folder.uri.toString()) : undefined;
    if (!state?.lastScan) {
      statusBar.text = '$(shield) Preflight';
      statusBar.tooltip = 'Preflight: scan the workspace to fill the release checklist';
    } else {
      const s = state.summary();
      statusBar.text = `$(shield) Preflight ${s.ready}/${s.total}`;
      statusBar.tooltip = `${s.pass} pass, ${s.fail} fail, ${s.review} review, ${s.na} n/a: open the checklist`;
    }
    statusBar.show();
  };

  const analyzeDocument = (doc: vscode.TextDocument): void => {
    if (!LANGUAGES.has(doc.languageId)) return analyzeConfigDocument(doc);
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const state = stateFor(folder);
    const rel = state?.relative(doc.uri.fsPath) ?? path.basename(doc.uri.path);
    if (state?.isExcluded(rel)) {
      diagnostics.delete(doc.uri);
      return;
    }
    const result = loadCore().analyzeInFolder(state, rel, doc.getText());
    const findings = state ? state.findingsFor(rel) : result.findings;
    diagnostics.set(doc.uri, result.skipped ? [] : findings.map((f) => toDiagnostic(f, doc.uri)));
    updateStatus();
    schedulePost();
  };

  const analyzeConfigDocument = (doc: vscode.TextDocument): void => {
    if (doc.uri.scheme !== 'file') return;
    const state = stateFor(vscode.workspace.getWorkspaceFolder(doc.uri));
    const rel = state?.relative(doc.uri.fsPath);
    if (!state || !rel || !loadCore().isConfigFile(rel) || state.isExcluded(rel)) return;
    state.analyzeConfigText(rel, doc.getText());
    // Every finding on the file, not only those of the rules that read it: no-lockfile sits on
    // package.json, env-not-gitignored on .gitignore; and the baseline applies as in the scan.
    diagnostics.set(doc.uri, state.configFindingsFor(rel).map((f) => toDiagnostic(f, doc.uri)));
    updateStatus();
    schedulePost();
  };

  /**
   * After a workspace scan a closed file keeps its findings, as the checklist does: documents are
   * also opened and closed without the user (package.json, for one, by VS Code's own extensions).
   * Without a scan, only open files are shown.
   */
  const documentClosed = (doc: vscode.TextDocument): void => {
    const state = doc.uri.scheme === 'file' ? stateFor(vscode.workspace.getWorkspaceFolder(doc.uri)) : undefined;
    const rel = state?.relative(doc.uri.fsPath);
    const findings = state?.lastScan && rel !== undefined && !state.isExcluded(rel) ? state.closedFile(rel) : undefined;
    if (findings) diagnostics.set(doc.uri, findings.map((f) => toDiagnostic(f, doc.uri)));
    else diagnostics.delete(doc.uri);
    updateStatus();
    schedulePost();
  };

  // The checklist view follows saves within a second, from cached per-file results.
  let postTimer: NodeJS.Timeout | undefined;
  const schedulePost = (): void => {
    clearTimeout(postTimer);
    postTimer = setTimeout(() => view.post(), 150);
  };
  context.subscriptions.push({ dispose: () => clearTimeout(postTimer) });

  // preflight.run: onSave (default), onType (debounced), manual (commands only).
  const timers = new Map<string, NodeJS.Timeout>();
  const runMode = (doc: vscode.TextDocument) => settingsFor(vscode.workspace.getWorkspaceFolder(doc.uri)).run;
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => runMode(doc) !== 'manual' && analyzeDocument(doc)),
    vscode.workspace.onDidSaveTextDocument((doc) => runMode(doc) !== 'manual' && analyzeDocument(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (runMode(e.document) !== 'onType' || e.contentChanges.length === 0) return;
      const key = e.document.uri.toString();
      clearTimeout(timers.get(key));
      timers.set(key, setTimeout(() => analyzeDocument(e.document), ON_TYPE_DELAY_MS));
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => documentClosed(doc)),
    vscode.workspace.onDidDeleteFiles((e) => {
      for (const uri of e.files) {
        diagnostics.delete(uri);
        const state = stateFor(vscode.workspace.getWorkspaceFolder(uri));
        const rel = state?.relative(uri.fsPath);
        if (state && rel) state.removeFile(rel);
      }
      updateStatus();
      schedulePost();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('preflight')) return;
      for (const folder of vscode.workspace.workspaceFolders ?? []) states.get(folder.uri.toString())?.reload(settingsFor(folder));
      vscode.workspace.textDocuments.forEach(analyzeDocument);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const f of e.removed) states.delete(f.uri.toString());
    }),
    vscode.window.onDidChangeActiveTextEditor(updateStatus),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );

  // The config file changes what every file's answer is.
  const configWatcher = vscode.workspace.createFileSystemWatcher('**/preflight.config.json');
  const reloadFolderOf = (uri: vscode.Uri): void => {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const state = folder && states.get(folder.uri.toString());
    if (!state || !folder) return;
    state.reload(settingsFor(folder));
    if (state.configError) void vscode.window.showWarningMessage(`Preflight: ${state.configError}`);
    vscode.workspace.textDocuments.forEach(analyzeDocument);
  };
  context.subscriptions.push(configWatcher, configWatcher.onDidChange(reloadFolderOf), configWatcher.onDidCreate(reloadFolderOf), configWatcher.onDidDelete(reloadFolderOf));

  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      [...[...LANGUAGES, ...CONFIG_LANGUAGES].map((language) => ({ language, scheme: 'file' })), { pattern: '**/{Dockerfile,*.Dockerfile,Dockerfile.*}', scheme: 'file' }],
      new PreflightActions(diagnostics),
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND] },
    ),
    vscode.workspace.registerTextDocumentContentProvider(DOCS_SCHEME, {
      provideTextDocumentContent(uri) {
        const rule = loadCore().RULE_BY_ID.get(uri.path.replace(/^\//, '').replace(/\.md$/, ''));
        return rule ? loadCore().renderRuleDoc(rule) : '# Unknown rule';
      },
    }),
  );

  let scanning = false;
  const scanFolder = (folder: vscode.WorkspaceFolder, token: vscode.CancellationToken): Promise<void> => {
    const state = stateFor(folder);
    if (!state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const worker = new Worker(path.join(context.extensionPath, 'dist', 'worker.js'), { workerData: { root: state.root, config: state.config } });
      const cancel = token.onCancellationRequested(() => {
        void worker.terminate();
        resolve();
      });
      worker.once('message', (msg: { ok: true; result: WorkspaceResult } | { ok: false; error: string }) => {
        cancel.dispose();
        void worker.terminate();
        if (!msg.ok) return reject(new Error(msg.error));
        state.applyScan(msg.result);
        publishAll(folder, state);
        resolve();
      });
      worker.once('error', (e) => {
        cancel.dispose();
        reject(e);
      });
    });
  };

  const publishAll = (folder: vscode.WorkspaceFolder, state: FolderState): void => {
    const byFile = new Map<string, Finding[]>();
    for (const f of state.findings()) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
    for (const [file, list] of byFile) {
      const uri = vscode.Uri.joinPath(folder.uri, ...file.split('/'));
      diagnostics.set(uri, list.map((f) => toDiagnostic(f, uri)));
    }
    updateStatus();
  };

  const scanWorkspace = async (): Promise<void> => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) return void vscode.window.showInformationMessage('Preflight: open a folder to scan.');
    if (scanning) return;
    scanning = true;
    view.post();
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Preflight: scanning', cancellable: true },
        async (progress, token) => {
          for (const folder of folders) {
            if (token.isCancellationRequested) return;
            progress.report({ message: folder.name });
            try {
              await scanFolder(folder, token);
            } catch (e) {
              output.appendLine(`scan of ${folder.name} failed: ${(e as Error).message}`);
              void vscode.window.showErrorMessage(`Preflight: scan of ${folder.name} failed: ${(e as Error).message}`);
            }
          }
        },
      );
    } finally {
      scanning = false;
      view.post();
    }
  };

  const pickFolderState = async (): Promise<FolderState | undefined> => {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    if (folders.length === 0) return void vscode.window.showInformationMessage('Preflight: open a folder first.');
    const folder = folders.length === 1 ? folders[0] : await vscode.window.showWorkspaceFolderPick();
    if (!folder) return undefined;
    const state = stateFor(folder)!;
    if (!state.lastScan) await scanWorkspace();
    return state;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(Command.ScanWorkspace, scanWorkspace),
    vscode.commands.registerCommand(Command.FixAllInFile, async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return;
      const edit = fixAllEdit(editor.document, diagnostics);
      if (edit.size === 0) return void vscode.window.showInformationMessage('Preflight: nothing to fix in this file.');
      await vscode.workspace.applyEdit(edit);
    }),
    vscode.commands.registerCommand(Command.ShowChecklist, () => vscode.commands.executeCommand(`${ChecklistViewProvider.viewType}.focus`)),
    vscode.commands.registerCommand(Command.ExportChecklist, async (fromView?: unknown) => {
      const state = fromView === true ? viewFolderState() : await pickFolderState();
      if (!state) return;
      if (!state.lastScan) await scanWorkspace();
      const markdown = state.markdown();
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
      await vscode.window.showTextDocument(doc);
      await vscode.env.clipboard.writeText(markdown);
      void vscode.window.showInformationMessage('Preflight: checklist exported (also copied to the clipboard).');
    }),
    vscode.commands.registerCommand(Command.ShowRuleDocs, async (ruleId: unknown) => {
      if (typeof ruleId !== 'string' || !loadCore().RULE_BY_ID.has(ruleId)) return;
      await vscode.commands.executeCommand('markdown.showPreviewToSide', vscode.Uri.parse(`${DOCS_SCHEME}:/${ruleId}.md`));
    }),
    vscode.commands.registerCommand(Command.PlaceCursor, (uri: unknown, offset: unknown) => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !(uri instanceof vscode.Uri) || typeof offset !== 'number' || editor.document.uri.toString() !== uri.toString()) return;
      const pos = editor.document.positionAt(offset);
      editor.selection = new vscode.Selection(pos, pos);
    }),
  );

  // The Release Checklist view: one folder at a time, chosen in the view when there are several.
  let viewFolder = 0;
  const fileFolders = (): vscode.WorkspaceFolder[] => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  const viewFolderState = (): FolderState | undefined => stateFor(fileFolders()[viewFolder] ?? fileFolders()[0]);
  const viewState = (): ViewState => {
    const folders = fileFolders();
    const state = viewFolderState();
    const empty: ViewState = { folders: folders.map((f) => f.name), folder: viewFolder, scanning, score: { ready: 0, total: 20 }, rows: [] };
    if (!state) return { ...empty, error: 'Open a folder to see its release checklist.' };
    const c = loadCore();
    const rows = state.checklist();
    const summary = c.summarize(rows);
    const errors = [state.configError, state.signoffError].filter((e): e is string => !!e);
    return {
      ...empty,
      lastScan: state.lastScan?.toISOString(),
      score: { ready: summary.ready, total: summary.total },
      rows: state.lastScan ? c.viewRows(rows) : [],
      ...(errors.length > 0 ? { error: errors.join(' ') } : {}),
    };
  };

  const onViewMessage = async (msg: ViewMessage): Promise<void> => {
    const state = viewFolderState();
    switch (msg.type) {
      case 'rescan':
        return scanWorkspace();
      case 'export':
        return void vscode.commands.executeCommand(Command.ExportChecklist, true);
      case 'selectFolder':
        if (msg.index < fileFolders().length) viewFolder = msg.index;
        if (!viewFolderState()?.lastScan) await scanWorkspace();
        return view.post();
      case 'open': {
        const abs = state && loadCore().resolveInFolder(state.root, msg.file);
        if (!abs) return; // outside the workspace folder: never opened
        const range = new vscode.Range(msg.line - 1, msg.column - 1, msg.endLine - 1, msg.endColumn - 1);
        await vscode.window.showTextDocument(vscode.Uri.file(abs), { selection: range, preview: true });
        return;
      }
      case 'fix': {
        const abs = state && loadCore().resolveInFolder(state.root, msg.file);
        const finding = state?.findings().find((f) => f.file === msg.file && loadCore().findingKey(f) === msg.key);
        if (!abs || !finding || finding.fixes.length === 0) return;
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(abs));
        const wasDirty = doc.isDirty;
        // The finding's offsets are for the text it was computed on; refuse if the document changed since.
        const current = loadCore().analyzeInFolder(state, msg.file, doc.getText()).findings.find((f) => loadCore().findingKey(f) === msg.key);
        if (!current) return void vscode.window.showWarningMessage('Preflight: that finding has changed since the last scan; rescan first.');
        await vscode.workspace.applyEdit(toWorkspaceEdit(doc, current.fixes[0].edits));
        if (!wasDirty) await doc.save();
        analyzeDocument(doc);
        return;
      }
      case 'signoff': {
        if (!state) return;
        const row = state.checklist().find((r) => r.id === msg.row);
        if (!row || row.status !== 'review') return void vscode.window.showInformationMessage('Preflight: only rows that need review can be signed off.');
        const note = await vscode.window.showInputBox({
          title: `Sign off: ${row.number}. ${row.title}`,
          prompt: `What did you check? (${row.criteria})`,
          placeHolder: 'e.g. rate limiting is done by the API gateway (see infra/gateway.tf)',
          validateInput: (v) => (v.trim().length < 3 ? 'Say what you checked, in a few words' : undefined),
        });
        if (!note) return;
        try {
          state.signOff(msg.row, note.trim());
        } catch (e) {
          return void vscode.window.showErrorMessage(`Preflight: sign-off not saved: ${(e as Error).message}`);
        }
        updateStatus();
        return view.post();
      }
      case 'revoke': {
        if (!state) return;
        const ok = await vscode.window.showWarningMessage('Revoke this sign-off?', { modal: true }, 'Revoke');
        if (ok !== 'Revoke') return;
        try {
          state.revoke(msg.row);
        } catch (e) {
          return void vscode.window.showErrorMessage(`Preflight: ${(e as Error).message}`);
        }
        updateStatus();
        return view.post();
      }
    }
  };

  const view = new ChecklistViewProvider(
    context.extensionUri,
    viewState,
    (raw) => loadCore().parseMessage(raw),
    onViewMessage,
    () => {
      if (!viewFolderState()?.lastScan) void scanWorkspace();
    },
  );
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(ChecklistViewProvider.viewType, view, { webviewOptions: { retainContextWhenHidden: false } }));

  for (const doc of vscode.workspace.textDocuments) if (runMode(doc) !== 'manual') analyzeDocument(doc);
  updateStatus();
}

export function deactivate(): void {}

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Findings stay attached to their diagnostics so that code actions use the analyzer's own fixes. */
const findingOf = new WeakMap<vscode.Diagnostic, Finding>();

function toDiagnostic(f: Finding, uri: vscode.Uri): vscode.Diagnostic {
  const range = new vscode.Range(f.line - 1, f.column - 1, f.endLine - 1, f.endColumn - 1);
  const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
  d.source = 'Preflight';
  d.code = { value: f.ruleId, target: vscode.Uri.parse(loadCore().docsUrl(f.ruleId)) };
  if (f.related?.length) {
    d.relatedInformation = f.related.map(
      (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Position(r.line - 1, r.column - 1)), r.message),
    );
  }
  findingOf.set(d, f);
  return d;
}

function toWorkspaceEdit(doc: vscode.TextDocument, edits: readonly { start: number; end: number; newText: string }[], edit = new vscode.WorkspaceEdit()): vscode.WorkspaceEdit {
  for (const e of edits) edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.newText);
  return edit;
}

function fixAllEdit(doc: vscode.TextDocument, diagnostics: vscode.DiagnosticCollection): vscode.WorkspaceEdit {
  const findings = (diagnostics.get(doc.uri) ?? []).map((d) => findingOf.get(d)).filter((f): f is Finding => !!f);
  const fixes = loadCore().fixAllFixes(findings, doc.getText());
  return toWorkspaceEdit(doc, fixes.flatMap((f) => f.edits));
}

class PreflightActions implements vscode.CodeActionProvider {
  constructor(private readonly diagnostics: vscode.DiagnosticCollection) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && FIX_ALL_KIND.contains(context.only)) {
      const edit = fixAllEdit(doc, this.diagnostics);
      if (edit.size === 0) return [];
      const action = new vscode.CodeAction('Fix all Preflight findings', FIX_ALL_KIND);
      action.edit = edit;
      return [action];
    }
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const f = findingOf.get(d);
      if (!f) continue;
      for (const fix of f.fixes) {
        const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        a.edit = toWorkspaceEdit(doc, fix.edits);
        a.diagnostics = [d];
        a.isPreferred = !!fix.preferred;
        actions.push(a);
      }
      const { edit, cursor } = loadCore().suppressionEdit(doc.getText(), f.line, f.ruleId);
      const ignore = new vscode.CodeAction(`Ignore ${f.ruleId} on this line`, vscode.CodeActionKind.QuickFix);
      ignore.edit = toWorkspaceEdit(doc, [edit]);
      ignore.diagnostics = [d];
      ignore.command = { command: Command.PlaceCursor, title: 'Type the reason', arguments: [doc.uri, cursor] };
      actions.push(ignore);
      const docs = new vscode.CodeAction(`Show documentation for ${f.ruleId}`, vscode.CodeActionKind.QuickFix);
      docs.command = { command: Command.ShowRuleDocs, title: 'Show documentation', arguments: [f.ruleId] };
      docs.diagnostics = [d];
      actions.push(docs);
    }
    return actions;
  }
}
