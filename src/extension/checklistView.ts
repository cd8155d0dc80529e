import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ViewMessage } from './lib/messages';
import type { ViewState } from './lib/view-state';

/**
 * The Release Checklist WebviewView: strict by construction (CSP with a nonce,
 * resources only from media/), messages validated on arrival. It renders what
 * `getState` returns and hands validated messages to `onMessage`.
 */
export class ChecklistViewProvider implements vscode.WebviewViewProvider {
  static readonly viewType = 'preflight.checklist';
  private view?: vscode.WebviewView;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly getState: () => ViewState,
    private readonly parse: (raw: unknown) => ViewMessage | undefined,
    private readonly onMessage: (msg: ViewMessage) => void | Promise<void>,
    private readonly onFirstShow: () => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    view.webview.onDidReceiveMessage((raw: unknown) => {
      const msg = this.parse(raw);
      if (!msg) return; // unknown or malformed: ignored, never acted on
      if (msg.type === 'ready') this.post();
      void this.onMessage(msg);
    });
    view.onDidChangeVisibility(() => view.visible && this.post());
    this.onFirstShow();
  }

  get visible(): boolean {
    return !!this.view?.visible;
  }

  /** Sends the current state to the view, if it is showing. */
  post(): void {
    if (!this.view) return;
    void this.view.webview.postMessage({ type: 'state', state: this.getState() });
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(media, ...p)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${uri('codicons', 'codicon.css')}" rel="stylesheet">
<link href="${uri('checklist.css')}" rel="stylesheet">
<title>Release Checklist</title>
</head>
<body>
<main id="root" aria-label="Preflight release checklist"></main>
<script nonce="${nonce}" src="${uri('checklist.js')}"></script>
</body>
</html>`;
  }
}
