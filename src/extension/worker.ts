/**
 * Workspace scans run here, in a worker thread, so that the extension host
 * stays responsive. Input: { root, config }; output: { ok, result } or { ok: false, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PreflightConfig } from '../core/config';

type Core = typeof import('./core');
const core = require('./core') as Core;

const { root, config } = workerData as { root: string; config: PreflightConfig };
try {
  const result = core.analyzeWorkspace(root, { config });
  parentPort?.postMessage({ ok: true, result });
} catch (e) {
  parentPort?.postMessage({ ok: false, error: (e as Error).message });
}
