import { createHash } from 'node:crypto';
import type { FileResult } from './analyze';

/**
 * Per-file results keyed by path and content hash: an unchanged file is never
 * analyzed twice, and an edited one replaces its entry.
 */
export class ResultCache {
  private readonly entries = new Map<string, { hash: string; result: FileResult }>();

  get(file: string, text: string, compute: () => FileResult): FileResult {
    const hash = createHash('sha1').update(text).digest('hex');
    const hit = this.entries.get(file);
    if (hit && hit.hash === hash) return hit.result;
    const result = compute();
    this.entries.set(file, { hash, result });
    return result;
  }

  delete(file: string): void {
    this.entries.delete(file);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
