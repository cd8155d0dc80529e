import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceRule, Visitors } from '../src/core/types';
import { isAnalyzedSource, listFiles } from '../src/core/workspace';

/* Shared by the benchmark (scripts/bench.ts) and scripts/rule-cost.ts. */

/**
 * The rules, with create(), every visitor and onEnd timed (wall, performance.now)
 * and the time added to `spent` under the rule's id. Used by the benchmark's
 * table (d) and by scripts/rule-cost.ts.
 */
export function instrument(rules: readonly SourceRule[], spent: Map<string, number>): SourceRule[] {
  const add = (id: string, dt: number): void => void spent.set(id, (spent.get(id) ?? 0) + dt);
  const timed = <A extends unknown[]>(id: string, fn: (...args: A) => void) => (...args: A): void => {
    const t = performance.now();
    try {
      fn(...args);
    } finally {
      add(id, performance.now() - t);
    }
  };
  // Object.fromEntries defines the properties, as a literal would (see Visitors in src/core/types.ts).
  const wrap = (id: string, visitors: Visitors): Visitors =>
    Object.fromEntries(Object.entries(visitors).map(([k, fn]) => [k, fn ? timed(id, fn as (node: unknown) => void) : fn]));
  return rules.map((rule) => ({
    ...rule,
    create(ctx) {
      const t0 = performance.now();
      const visitors = rule.create(ctx);
      add(rule.id, performance.now() - t0);
      return Array.isArray(visitors) ? visitors.map((v) => wrap(rule.id, v)) : wrap(rule.id, visitors as Visitors);
    },
  }));
}

export interface SourceText {
  rel: string;
  text: string;
  lines: number;
}

/** The files analyzeWorkspace would analyze, read into memory. */
export function sourceFiles(root: string): SourceText[] {
  return listFiles(root, [])
    .files.filter(isAnalyzedSource)
    .map((rel) => {
      const text = fs.readFileSync(path.join(root, rel), 'utf8');
      return { rel, text, lines: text.split('\n').length };
    });
}
