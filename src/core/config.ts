import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RowId, RuleSetting } from './types';

export const CONFIG_FILE = 'preflight.config.json';

export type { RuleSetting } from './types';

/** `preflight.config.json`, as written by a user. Every field is optional. */
export interface PreflightConfig {
  /** Per-rule severity or `off`. */
  rules: Record<string, RuleSetting>;
  /** Paths to skip, in .gitignore syntax, relative to the workspace root. */
  exclude: string[];
  /** Rows that do not apply to this project, with the reason shown in their place. */
  rowOptOuts: Partial<Record<RowId, string>>;
  /** Names of the project's own rate-limiting middleware. */
  rateLimiters: string[];
  /** Files larger than this are skipped with a note. */
  maxFileSizeKB: number;
}

export const DEFAULT_CONFIG: PreflightConfig = {
  rules: {},
  exclude: [],
  rowOptOuts: {},
  rateLimiters: [],
  maxFileSizeKB: 1024,
};

export class ConfigError extends Error {}

const SETTINGS: ReadonlySet<string> = new Set(['error', 'warning', 'info', 'off']);

/**
 * Normalises untrusted config into a full PreflightConfig. Wrong types are
 * errors with the offending key named; unknown keys are reported as warnings so
 * that a typo does not silently do nothing.
 */
export interface LoadedConfig {
  config: PreflightConfig;
  warnings: string[];
  /** The keys the file sets, so that editor settings can fill in the rest. */
  present: Set<string>;
}

export function normalizeConfig(raw: unknown, source = CONFIG_FILE): LoadedConfig {
  const warnings: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source}: expected a JSON object at the top level`);
  }
  const obj = raw as Record<string, unknown>;
  const config: PreflightConfig = { ...DEFAULT_CONFIG, rules: {}, exclude: [], rowOptOuts: {}, rateLimiters: [] };
  for (const [key, value] of Object.entries(obj)) {
    switch (key) {
      case '$schema':
        break;
      case 'rules':
        config.rules = record(value, source, key, (v, k) => {
          if (typeof v !== 'string' || !SETTINGS.has(v)) {
            throw new ConfigError(`${source}: rules.${k} must be one of error, warning, info, off`);
          }
          return v as RuleSetting;
        });
        break;
      case 'exclude':
        config.exclude = stringArray(value, source, key);
        break;
      case 'rateLimiters':
        config.rateLimiters = stringArray(value, source, key);
        break;
      case 'rowOptOuts':
        config.rowOptOuts = record(value, source, key, (v, k) => {
          if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${source}: rowOptOuts.${k} needs a reason (a non-empty string)`);
          return v;
        });
        break;
      case 'maxFileSizeKB':
        if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
          throw new ConfigError(`${source}: maxFileSizeKB must be a positive number`);
        }
        config.maxFileSizeKB = value;
        break;
      default:
        warnings.push(`${source}: unknown key "${key}" ignored`);
    }
  }
  return { config, warnings, present: new Set(Object.keys(obj)) };
}

function record<T>(value: unknown, source: string, key: string, each: (v: unknown, k: string) => T): Record<string, T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${source}: ${key} must be an object`);
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(value)) out[k] = each(v, k);
  return out;
}

function stringArray(value: unknown, source: string, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${source}: ${key} must be an array of strings`);
  }
  return value as string[];
}

/** Reads `preflight.config.json` from a folder; defaults when there is none. */
export function loadConfig(root: string): LoadedConfig {
  const file = path.join(root, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { config: { ...DEFAULT_CONFIG }, warnings: [], present: new Set() };
    throw new ConfigError(`${CONFIG_FILE}: cannot be read (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ConfigError(`${CONFIG_FILE}: not valid JSON (${(e as Error).message})`);
  }
  return normalizeConfig(raw);
}
