/**
 * Everything the extension needs from the analyzer, behind one module that is
 * required on first use: loading the TypeScript parser costs a few hundred
 * milliseconds that activation should not pay. No `vscode` here.
 */
import { analyzeSource, type FileResult } from '../core/analyze';
import { SOURCE_RULES, RULE_BY_ID } from '../core/registry';
import type { FolderState } from './lib/folder-state';

export { FolderState } from './lib/folder-state';
export { fixAllFixes, suppressionEdit } from './lib/edits';
export { renderRuleDoc } from '../core/docs';
export { docsUrl } from '../core/meta';
export { RULE_BY_ID };
export { analyzeWorkspace } from '../core/workspace';
export { summarize } from '../core/checklist';
export { viewRows, findingKey } from './lib/view-state';
export { parseMessage, resolveInFolder } from './lib/messages';
export { isConfigFile } from '../core/config-files';

export function analyzeInFolder(state: FolderState | undefined, rel: string, text: string): FileResult {
  const run = (file: string, t: string): FileResult =>
    analyzeSource(file, t, { rules: SOURCE_RULES, project: state?.project, ruleSettings: state?.config.rules });
  return state ? state.analyzeText(rel, text, run) : run(rel, text);
}
