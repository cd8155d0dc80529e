/**
 * The pf-safe-fetch snippet (snippets/src/pf-safe-fetch.js) with its
 * placeholders at their defaults, as the ssrf-request-url fix inserts it.
 * Core code never reads files at runtime, so the text lives here; a unit test
 * (test/unit/quick-fixes.test.ts) keeps it equal to the snippet.
 */
export const SAFE_FETCH_SOURCE = `const dns = require('node:dns/promises');
const net = require('node:net');

const ALLOWED_PROTOCOLS = new Set(['https:']);
const MAX_REDIRECTS = 3;
const TIMEOUT_MS = 5000;
const MAX_BYTES = 1048576;

/** True for loopback, private, link-local, CGNAT, multicast and reserved addresses, IPv4 and IPv6. */
function isPrivateAddress(address) {
  if (net.isIPv4(address)) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19))
    );
  }
  const ip = address.toLowerCase();
  const mapped = /^::ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$/.exec(ip);
  if (mapped) return isPrivateAddress(mapped[1]);
  return ip === '::' || ip === '::1' || ip.startsWith('fc') || ip.startsWith('fd') || /^fe[89ab]/.test(ip) || ip.startsWith('ff');
}

/** Resolves the host and refuses private targets; redirects are followed by hand and checked again. */
async function safeFetch(input, options = {}) {
  let url = new URL(input);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!ALLOWED_PROTOCOLS.has(url.protocol)) throw new Error(\`blocked protocol \${url.protocol}\`);
    const addresses = await dns.lookup(url.hostname, { all: true, verbatim: true });
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      throw new Error(\`blocked private address for \${url.hostname}\`);
    }
    const response = await fetch(url, { ...options, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      url = new URL(response.headers.get('location'), url);
      continue;
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_BYTES) throw new Error('response too large');
    const body = await response.arrayBuffer();
    if (body.byteLength > MAX_BYTES) throw new Error('response too large');
    return { status: response.status, headers: response.headers, body: Buffer.from(body) };
  }
  throw new Error('too many redirects');
}

module.exports = { safeFetch, isPrivateAddress };`;

/** One `const x = require('m');` line of the snippet. */
export interface SnippetRequire {
  name: string;
  module: string;
}

/** The snippet split for insertion: its requires (added as imports in the file's style) and the code after them, without `module.exports`. */
export const SAFE_FETCH_PARTS: { requires: SnippetRequire[]; code: string; declares: string[] } = splitSnippet(SAFE_FETCH_SOURCE);

function splitSnippet(source: string): { requires: SnippetRequire[]; code: string; declares: string[] } {
  const requires: SnippetRequire[] = [];
  const kept: string[] = [];
  for (const line of source.split('\n')) {
    const m = /^const (\w+) = require\('([^']+)'\);$/.exec(line);
    if (m) requires.push({ name: m[1], module: m[2] });
    else if (!line.startsWith('module.exports')) kept.push(line);
  }
  const code = kept.join('\n').trim();
  // Top-level names the code declares: a file that already has one of them cannot take the helper.
  const declares = [...code.matchAll(/^(?:const|let|var|async function|function)\s+(\w+)/gm)].map((m) => m[1]);
  return { requires, code, declares };
}
