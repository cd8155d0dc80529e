/**
 * Workspace scans run here, in a worker thread, so that the extension host
 * stays responsive. Input: { root, config }; output: { ok, result } or { ok: false, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeWorkspace } from '../core/workspace';
import type { PreflightConfig } from '../core/config';

const { root, config } = workerData as { root: string; config: PreflightConfig };
try {
  const result = analyzeWorkspace(root, { config });
  parentPort?.postMessage({ ok: true, result });
} catch (e) {
  parentPort?.postMessage({ ok: false, error: (e as Error).message });
}
