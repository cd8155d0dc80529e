/**
 * Caches keyed by syntax nodes that live exactly as long as one file's
 * analysis.
 *
 * Why not a module-level WeakMap: V8's young-generation collector treats a
 * WeakMap entry whose key has already been promoted to the old generation as
 * live, with everything its value reaches. A cache value (a scope, a list of
 * nodes) reaches the whole syntax tree through `parent`, so one promoted key
 * keeps the file's tree alive through every later scavenge until the next full
 * collection: every tree gets copied and promoted, and the bench spent several
 * times the parse time in the collector. A plain Map that is dropped when the
 * file is done has no such effect.
 *
 * Inside `withFileCaches` (analyzeSource wraps each file in it) every
 * NodeCache is a fresh Map, dropped at the end. Outside one (a test or a tool
 * calling a helper directly) it is a WeakMap, so nothing leaks either way.
 */

const all: NodeCache<object, unknown>[] = [];
let depth = 0;

export class NodeCache<K extends object, V> {
  private map: Map<K, V> | WeakMap<K, V> = new WeakMap();

  constructor() {
    all.push(this as NodeCache<object, unknown>);
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
  }

  /** @internal */
  reset(inFile: boolean): void {
    this.map = inFile ? new Map() : new WeakMap();
  }
}

/** Runs `fn` (one file's analysis) with every NodeCache fresh, and drops them after it. */
export function withFileCaches<T>(fn: () => T): T {
  // A nested call (not made today) shares the outer file's caches.
  if (depth > 0) return fn();
  for (const c of all) c.reset(true);
  depth++;
  try {
    return fn();
  } finally {
    depth--;
    for (const c of all) c.reset(false);
  }
}
