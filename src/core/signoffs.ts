import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROW_BY_ID } from './rows';
import type { RowId } from './types';

/**
 * Sign-offs: a person's confirmation of a review row, kept in
 * `.preflight/signoffs.json` in the workspace, meant to be committed and
 * reviewed like code. The file is validated on every read; a corrupt or
 * hand-broken file is reported and never overwritten.
 */
export const SIGNOFFS_FILE = path.join('.preflight', 'signoffs.json');

export interface Signoff {
  row: RowId;
  note: string;
  by: string;
  /** ISO 8601. */
  at: string;
  /** Findings on the row when it was signed off (0 for a review row). */
  findingsAtSignoff: number;
}

export interface SignoffFile {
  version: 1;
  signoffs: Signoff[];
}

export class SignoffError extends Error {}

export function signoffPath(root: string): string {
  return path.join(root, SIGNOFFS_FILE);
}

/** Reads the sign-offs; none when the file does not exist; SignoffError with the reason when it is corrupt. */
export function readSignoffs(root: string): Signoff[] {
  const file = signoffPath(root);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SignoffError(`${SIGNOFFS_FILE}: cannot be read (${(e as Error).message})`);
  }
  return parseSignoffs(text);
}

export function parseSignoffs(text: string): Signoff[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new SignoffError(`${SIGNOFFS_FILE}: not valid JSON (${(e as Error).message}); fix or remove it by hand`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SignoffError(`${SIGNOFFS_FILE}: expected an object with "signoffs"`);
  const obj = raw as Record<string, unknown>;
  if (obj.version !== 1) throw new SignoffError(`${SIGNOFFS_FILE}: unsupported version ${JSON.stringify(obj.version)} (expected 1)`);
  if (!Array.isArray(obj.signoffs)) throw new SignoffError(`${SIGNOFFS_FILE}: "signoffs" must be an array`);
  return obj.signoffs.map((s, i) => validate(s, i));
}

function validate(s: unknown, i: number): Signoff {
  const where = `${SIGNOFFS_FILE}: signoffs[${i}]`;
  if (!s || typeof s !== 'object') throw new SignoffError(`${where} must be an object`);
  const o = s as Record<string, unknown>;
  if (typeof o.row !== 'string' || !ROW_BY_ID.has(o.row as RowId)) throw new SignoffError(`${where}.row is not a checklist row id`);
  for (const key of ['note', 'by', 'at'] as const) {
    if (typeof o[key] !== 'string') throw new SignoffError(`${where}.${key} must be a string`);
  }
  if (Number.isNaN(Date.parse(o.at as string))) throw new SignoffError(`${where}.at is not a date`);
  const count = o.findingsAtSignoff ?? 0;
  if (typeof count !== 'number' || count < 0) throw new SignoffError(`${where}.findingsAtSignoff must be a non-negative number`);
  return { row: o.row as RowId, note: o.note as string, by: o.by as string, at: o.at as string, findingsAtSignoff: count };
}

/**
 * Adds or replaces the sign-off of a row. The file is read afresh and must be
 * valid (a corrupt file throws, untouched), then written through a temporary
 * file and a rename so that a crash cannot leave half a file.
 */
export function addSignoff(root: string, signoff: Signoff): Signoff[] {
  const current = readSignoffs(root);
  const next = [...current.filter((s) => s.row !== signoff.row), signoff].sort(
    (a, b) => (ROW_BY_ID.get(a.row)?.number ?? 0) - (ROW_BY_ID.get(b.row)?.number ?? 0),
  );
  writeSignoffs(root, next);
  return next;
}

export function revokeSignoff(root: string, row: RowId): Signoff[] {
  const current = readSignoffs(root);
  const next = current.filter((s) => s.row !== row);
  if (next.length !== current.length) writeSignoffs(root, next);
  return next;
}

function writeSignoffs(root: string, signoffs: Signoff[]): void {
  const file = signoffPath(root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body: SignoffFile = { version: 1, signoffs };
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Who signs: git's user.name in the workspace, else the OS user. */
export function currentUser(root: string): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 }).trim();
    if (name) return name;
  } catch {
    // not a git checkout, or git missing
  }
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
