import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

async function poll<T>(fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri;
}

function defineTests(): void {
  suite('Preflight in VS Code', () => {
    test('diagnostics appear for an opened file, with the rule as code and a docs link', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'src', 'app.js');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const diags = await poll(() => {
        const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Preflight');
        return d.length > 0 && d;
      });
      const helmet = diags.find((d) => typeof d.code === 'object' && d.code.value === 'missing-helmet');
      assert.ok(helmet, 'missing-helmet reported');
      assert.ok(typeof helmet.code === 'object' && helmet.code.target.toString().includes('missing-helmet.md'));
    });

    test('the quick fix applies and the diagnostic goes away after save', async () => {
      const uri = vscode.Uri.joinPath(folder(), 'src', 'app.js');
      const doc = await vscode.workspace.openTextDocument(uri);
      const diag = vscode.languages.getDiagnostics(uri).find((d) => typeof d.code === 'object' && d.code.value === 'missing-helmet');
      assert.ok(diag);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diag.range);
      const fix = actions.find((a) => a.title === 'Apply helmet() to the app');
      assert.ok(fix?.edit, 'fix offered');
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      await doc.save();
      assert.match(doc.getText(), /app\.use\(helmet\(\)\);/);
      await poll(() => !vscode.languages.getDiagnostics(uri).some((d) => typeof d.code === 'object' && d.code.value === 'missing-helmet'));
    });

    test('commands are registered', async () => {
      const all = await vscode.commands.getCommands(true);
      for (const id of ['preflight.scanWorkspace', 'preflight.fixAllInFile', 'preflight.showChecklist', 'preflight.exportChecklistMarkdown']) {
        assert.ok(all.includes(id), id);
      }
    });
  });
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60_000, color: true });
  mocha.suite.emit('pre-require', globalThis, path.join(__dirname, 'suite.js'), mocha);
  defineTests();
  return new Promise((resolve, reject) => mocha.run((failures) => (failures ? reject(new Error(`${failures} failed`)) : resolve())));
}
