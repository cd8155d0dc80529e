import type { PreflightConfig } from '../../core/config';
import type { RuleSetting } from '../../core/types';

/**
 * The extension's settings, declared in package.json and mirrored here. Every
 * value from VS Code is untrusted (users edit settings.json by hand), so it goes
 * through `settingsFrom`, which falls back to the default for anything odd.
 */
export type RunMode = 'onSave' | 'onType' | 'manual';

export interface Settings {
  run: RunMode;
  exclude: string[];
  rules: Record<string, RuleSetting>;
  maxFileSizeKB: number;
}

export const DEFAULT_SETTINGS: Settings = { run: 'onSave', exclude: [], rules: {}, maxFileSizeKB: 1024 };

const RUN_MODES: ReadonlySet<string> = new Set(['onSave', 'onType', 'manual']);
const RULE_SETTINGS: ReadonlySet<string> = new Set(['error', 'warning', 'info', 'off']);

export function settingsFrom(get: (key: keyof Settings) => unknown): Settings {
  const run = get('run');
  const exclude = get('exclude');
  const rules = get('rules');
  const max = get('maxFileSizeKB');
  return {
    run: typeof run === 'string' && RUN_MODES.has(run) ? (run as RunMode) : DEFAULT_SETTINGS.run,
    exclude: Array.isArray(exclude) ? exclude.filter((e): e is string => typeof e === 'string') : [],
    rules:
      rules && typeof rules === 'object' && !Array.isArray(rules)
        ? Object.fromEntries(
            Object.entries(rules).filter((e): e is [string, RuleSetting] => typeof e[1] === 'string' && RULE_SETTINGS.has(e[1])),
          )
        : {},
    maxFileSizeKB: typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : DEFAULT_SETTINGS.maxFileSizeKB,
  };
}

/**
 * The workspace's preflight.config.json wins over editor settings, so that the
 * editor and the CLI give the same answer for the same files; settings fill in
 * what the file leaves open and add excludes.
 */
export function mergeConfig(file: PreflightConfig, fileHas: ReadonlySet<string>, settings: Settings): PreflightConfig {
  return {
    ...file,
    rules: { ...settings.rules, ...file.rules },
    exclude: [...file.exclude, ...settings.exclude.filter((e) => !file.exclude.includes(e))],
    maxFileSizeKB: fileHas.has('maxFileSizeKB') ? file.maxFileSizeKB : settings.maxFileSizeKB,
  };
}
