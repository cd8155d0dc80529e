import * as fs from 'node:fs';
import * as path from 'node:path';
import { SOURCE_EXTENSIONS } from '../src/core/analyze';
import type { SourceRule, Visitors } from '../src/core/types';
import { listFiles } from '../src/core/workspace';

/* Shared by the benchmark (scripts/bench.ts) and scripts/rule-cost.ts. */

/**
 * The rules, with create(), every visitor and onEnd timed (wall, performance.now)
 * and the time added to `spent` under the rule's id. Used by the benchmark's
 * table (d) and by scripts/rule-cost.ts.
 */
export function instrument(rules: readonly SourceRule[], spent: Map<string, number>): SourceRule[] {
  const add = (id: string, dt: number): void => void spent.set(id, (spent.get(id) ?? 0) + dt);
  return rules.map((rule) => ({
    ...rule,
    create(ctx) {
      const t0 = performance.now();
      const visitors = rule.create(ctx);
      add(rule.id, performance.now() - t0);
      const out: Visitors = {};
      for (const key of Object.keys(visitors)) {
        if (key === 'onEnd') {
          const end = visitors.onEnd!;
          out.onEnd = () => {
            const t = performance.now();
            try {
              end();
            } finally {
              add(rule.id, performance.now() - t);
            }
          };
          continue;
        }
        const fn = visitors[Number(key)];
        if (!fn) continue;
        out[Number(key)] = (node) => {
          const t = performance.now();
          try {
            fn(node);
          } finally {
            add(rule.id, performance.now() - t);
          }
        };
      }
      return out;
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
    .files.filter((rel) => SOURCE_EXTENSIONS.has(path.extname(rel).toLowerCase()) && !rel.endsWith('.d.ts'))
    .map((rel) => {
      const text = fs.readFileSync(path.join(root, rel), 'utf8');
      return { rel, text, lines: text.split('\n').length };
    });
}
