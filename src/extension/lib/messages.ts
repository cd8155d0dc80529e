import * as path from 'node:path';
import { ROW_BY_ID } from '../../core/rows';
import type { RowId } from '../../core/types';

/**
 * Messages from the checklist webview. Everything arriving from a webview is
 * untrusted: `parseMessage` accepts only the known shapes, with bounded
 * strings and numbers, and `resolveInFolder` refuses any path that would
 * leave the workspace folder.
 */
export type ViewMessage =
  | { type: 'ready' }
  | { type: 'rescan' }
  | { type: 'export' }
  | { type: 'selectFolder'; index: number }
  | { type: 'open'; file: string; line: number; column: number; endLine: number; endColumn: number }
  | { type: 'fix'; key: string; file: string }
  | { type: 'signoff'; row: RowId }
  | { type: 'revoke'; row: RowId };

const MAX_STRING = 4096;

export function parseMessage(raw: unknown): ViewMessage | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'rescan':
    case 'export':
      return { type: m.type };
    case 'selectFolder':
      return isCount(m.index) ? { type: 'selectFolder', index: m.index } : undefined;
    case 'open': {
      if (!isRelativePath(m.file) || ![m.line, m.column, m.endLine, m.endColumn].every(isPositive)) return undefined;
      return { type: 'open', file: m.file, line: m.line as number, column: m.column as number, endLine: m.endLine as number, endColumn: m.endColumn as number };
    }
    case 'fix':
      return isRelativePath(m.file) && typeof m.key === 'string' && m.key.length <= MAX_STRING ? { type: 'fix', key: m.key, file: m.file } : undefined;
    case 'signoff':
    case 'revoke':
      return typeof m.row === 'string' && ROW_BY_ID.has(m.row as RowId) ? { type: m.type, row: m.row as RowId } : undefined;
    default:
      return undefined;
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1000;
}

function isPositive(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v < 10_000_000;
}

function isRelativePath(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING && !v.includes('\0') && !path.isAbsolute(v) && !/^[a-zA-Z]:/.test(v);
}

/** The absolute path of `rel` inside `root`, or undefined when it would escape it. */
export function resolveInFolder(root: string, rel: string): string | undefined {
  const abs = path.resolve(root, rel);
  const back = path.relative(root, abs);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) return undefined;
  return abs;
}
