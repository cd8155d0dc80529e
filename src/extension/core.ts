/**
 * Everything the extension needs from the analyzer, behind one module so that
 * it can be required lazily. No `vscode` here: this is plain Node.
 */
import { analyzeSource, type FileResult } from '../core/analyze';
import { loadConfig } from '../core/config';
import { SOURCE_RULES } from '../core/registry';
import { projectInfo } from '../core/workspace';

export { docsUrl } from '../core/meta';

export function analyzeDocument(root: string | undefined, rel: string, text: string): FileResult {
  const config = root ? safeConfig(root) : undefined;
  const project = root && config ? projectInfo(root, config) : undefined;
  return analyzeSource(rel, text, { rules: SOURCE_RULES, project, ruleSettings: config?.rules });
}

function safeConfig(root: string) {
  try {
    return loadConfig(root).config;
  } catch {
    // A broken config is reported by the CLI and the checklist; the editor keeps the defaults meanwhile.
    return undefined;
  }
}
