//@ts-check
/**
 * The Release Checklist view. Renders the state the extension posts
 * ({ type: 'state', state }), posts { type } messages back, keeps what is
 * expanded with getState/setState so hiding and showing the view loses
 * nothing. No framework, no inline handlers, no remote resources.
 */
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host.
  const vscode = acquireVsCodeApi();
  const root = /** @type {HTMLElement} */ (document.getElementById('root'));

  /** @type {{ expanded: string[], extendedOpen: boolean, state?: any }} */
  const ui = Object.assign({ expanded: [], extendedOpen: false }, vscode.getState() || {});

  const ICONS = {
    pass: 'pass-filled',
    fail: 'error',
    review: 'eye',
    'n/a': 'circle-slash',
    'signed off': 'verified-filled',
  };

  function save() {
    vscode.setState(ui);
  }

  /** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node|string|null|undefined)[]} [children] */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children || []) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  /** @param {string} name */
  function icon(name) {
    return el('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
  }

  /** @param {any} v */
  function isStr(v) {
    return typeof v === 'string';
  }
  /** @param {any} v */
  function isNum(v) {
    return typeof v === 'number' && Number.isFinite(v);
  }

  /** Accepts only the shape the extension sends; anything else is refused whole. @param {any} s */
  function validState(s) {
    if (!s || typeof s !== 'object' || !Array.isArray(s.rows) || !Array.isArray(s.folders)) return false;
    if (!s.score || !isNum(s.score.ready) || !isNum(s.score.total)) return false;
    return s.rows.every(
      (/** @type {any} */ r) =>
        r && isNum(r.number) && isStr(r.id) && isStr(r.title) && isStr(r.status) && isStr(r.reason) && isStr(r.criteria) &&
        Array.isArray(r.findings) && Array.isArray(r.evidence) &&
        r.findings.every((/** @type {any} */ f) => f && isStr(f.key) && isStr(f.file) && isNum(f.line) && isStr(f.message) && isStr(f.ruleId)) &&
        r.evidence.every((/** @type {any} */ e) => e && isStr(e.message) && isStr(e.file) && isNum(e.line)),
    );
  }

  /** @param {any} state */
  function render(state) {
    root.replaceChildren();
    if (!validState(state)) {
      root.append(el('p', { class: 'error', role: 'alert' }, ['Preflight could not display the checklist: the data it received was not understood. Try Rescan.']));
      return;
    }
    root.append(header(state));
    if (state.error) root.append(el('p', { class: 'error', role: 'alert' }, [state.error]));
    const core = state.rows.filter((/** @type {any} */ r) => !r.extended);
    const extended = state.rows.filter((/** @type {any} */ r) => r.extended);
    root.append(el('ul', { class: 'rows', role: 'list', 'aria-label': 'Release checklist' }, core.map(rowItem)));
    if (extended.length > 0) {
      const details = el('details', { class: 'extended' }, [
        el('summary', {}, [`Beyond the 20 (${extended.length})`]),
        el('ul', { class: 'rows', role: 'list', 'aria-label': 'Extended checks' }, extended.map(rowItem)),
      ]);
      if (ui.extendedOpen) details.setAttribute('open', '');
      details.addEventListener('toggle', () => {
        ui.extendedOpen = /** @type {HTMLDetailsElement} */ (details).open;
        save();
      });
      root.append(details);
    }
  }

  /** @param {any} state */
  function header(state) {
    const score = el('div', { class: 'score', role: 'status', 'aria-live': 'polite' }, [
      el('strong', {}, [`${state.score.ready} / ${state.score.total}`]),
      ' ready',
    ]);
    const when = state.scanning ? 'Scanning…' : state.lastScan ? `Last scan ${new Date(state.lastScan).toLocaleTimeString()}` : 'Not scanned yet';
    const rescan = el('button', { class: 'button', 'data-action': 'rescan', title: 'Scan the workspace again' }, [icon('refresh'), ' Rescan']);
    const exp = el('button', { class: 'button secondary', 'data-action': 'export', title: 'Export the checklist as Markdown' }, [icon('markdown'), ' Export']);
    if (state.scanning) rescan.setAttribute('disabled', '');
    const children = [score, el('div', { class: 'meta' }, [when]), el('div', { class: 'actions' }, [rescan, exp])];
    if (state.folders.length > 1) {
      const select = el('select', { 'aria-label': 'Workspace folder', 'data-action': 'selectFolder' },
        state.folders.map((/** @type {string} */ name, /** @type {number} */ i) => {
          const o = el('option', { value: String(i) }, [name]);
          if (i === state.folder) o.setAttribute('selected', '');
          return o;
        }));
      children.unshift(select);
    }
    return el('header', { class: 'header' }, children);
  }

  /** @param {any} r */
  function rowItem(r) {
    const expanded = ui.expanded.includes(r.id);
    const status = ICONS[/** @type {keyof typeof ICONS} */ (r.status)] ? r.status : 'review';
    const count = r.findings.length;
    const toggle = el('button', {
      class: 'row-toggle', 'aria-expanded': String(expanded), 'aria-controls': `row-${r.id}`, 'data-action': 'toggle', 'data-row': r.id,
    }, [
      el('span', { class: `status status-${status.replace(/[^a-z]/g, '')}`, title: status }, [icon(ICONS[/** @type {keyof typeof ICONS} */ (status)])]),
      el('span', { class: 'num' }, [r.extended ? '+' : String(r.number)]),
      el('span', { class: 'title' }, [r.title]),
      count > 0 ? el('span', { class: 'badge', 'aria-label': `${count} findings` }, [String(count)]) : null,
      el('span', { class: 'visually-hidden' }, [`, ${status}`]),
    ]);
    const summary = el('div', { class: 'reason' }, [r.reason]);
    const body = el('div', { class: 'row-body', id: `row-${r.id}` }, [
      el('div', { class: 'criteria' }, [r.criteria]),
      r.evidence.length > 0 ? el('ul', { class: 'evidence' }, r.evidence.map((/** @type {any} */ e) =>
        el('li', {}, [icon('check'), ` ${e.message} `, el('button', { class: 'link', 'data-action': 'open', 'data-file': e.file, 'data-line': String(e.line) }, [`${e.file}:${e.line}`])]))) : null,
      count > 0 ? el('ul', { class: 'findings' }, r.findings.map(findingItem)) : null,
      signoffPart(r),
    ]);
    if (!expanded) body.hidden = true;
    return el('li', { class: `row row-${status.replace(/[^a-z]/g, '')}`, role: 'listitem' }, [toggle, summary, body]);
  }

  /** @param {any} f */
  function findingItem(f) {
    return el('li', { class: 'finding' }, [
      el('button', {
        class: 'link', 'data-action': 'open', 'data-file': f.file, 'data-line': String(f.line), 'data-column': String(f.column || 1),
        'data-end-line': String(f.endLine || f.line), 'data-end-column': String(f.endColumn || f.column || 1), title: 'Open at the finding',
      }, [`${f.file}:${f.line}`]),
      ` ${f.message} `,
      el('span', { class: 'rule' }, [f.ruleId]),
      f.fixable ? el('button', { class: 'button small', 'data-action': 'fix', 'data-key': f.key, 'data-file': f.file }, [icon('wrench'), ' Fix']) : null,
    ]);
  }

  /** @param {any} r */
  function signoffPart(r) {
    if (r.signoff && typeof r.signoff === 'object') {
      const s = r.signoff;
      return el('div', { class: `signoff${s.stale ? ' stale' : ''}` }, [
        icon(s.stale ? 'warning' : 'verified'),
        ` ${s.stale ? 'Stale sign-off' : 'Signed off'} by ${s.by} on ${String(s.at).slice(0, 10)}: ${s.note} `,
        el('button', { class: 'button small secondary', 'data-action': 'revoke', 'data-row': r.id }, ['Revoke']),
      ]);
    }
    if (r.status !== 'review') return null;
    return el('div', { class: 'signoff' }, [
      el('button', { class: 'button small', 'data-action': 'signoff', 'data-row': r.id }, [icon('pass'), ' Sign off…']),
    ]);
  }

  /** @param {HTMLElement} btn */
  function toggleRow(btn) {
    const id = btn.dataset.row || '';
    const body = document.getElementById(`row-${id}`);
    const open = btn.getAttribute('aria-expanded') !== 'true';
    btn.setAttribute('aria-expanded', String(open));
    if (body) body.hidden = !open;
    ui.expanded = open ? [...new Set([...ui.expanded, id])] : ui.expanded.filter((x) => x !== id);
    save();
  }

  root.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const btn = /** @type {HTMLElement | null} */ (target.closest('[data-action]'));
    if (!btn || btn.tagName === 'SELECT') return;
    const d = btn.dataset;
    switch (d.action) {
      case 'toggle':
        return toggleRow(btn);
      case 'rescan':
      case 'export':
        return vscode.postMessage({ type: d.action });
      case 'open': {
        const line = Number(d.line) || 1;
        const column = Number(d.column) || 1;
        return vscode.postMessage({ type: 'open', file: d.file, line, column, endLine: Number(d.endLine) || line, endColumn: Number(d.endColumn) || column });
      }
      case 'fix':
        return vscode.postMessage({ type: 'fix', key: d.key, file: d.file });
      case 'signoff':
      case 'revoke':
        return vscode.postMessage({ type: d.action, row: d.row });
    }
  });

  root.addEventListener('change', (event) => {
    const target = /** @type {HTMLSelectElement} */ (event.target);
    if (target.dataset.action === 'selectFolder') vscode.postMessage({ type: 'selectFolder', index: Number(target.value) });
  });

  // Up and down move between rows, Home and End to the first and last.
  root.addEventListener('keydown', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!target.classList.contains('row-toggle')) return;
    // Rows inside the collapsed "Beyond the 20" section cannot take focus.
    const toggles = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('.row-toggle')].filter((b) => !b.closest('details:not([open])')));
    const i = toggles.indexOf(target);
    const next = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: toggles.length - 1 }[event.key];
    if (next === undefined || !toggles[next]) return;
    event.preventDefault();
    toggles[next].focus();
  });

  window.addEventListener('message', (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object' || msg.type !== 'state') return;
    ui.state = msg.state;
    save();
    render(msg.state);
  });

  if (ui.state) render(ui.state);
  else root.append(el('p', { class: 'meta' }, ['Scanning the workspace…']));
  vscode.postMessage({ type: 'ready' });
})();
