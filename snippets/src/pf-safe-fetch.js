// pf-safe-fetch: safeFetch: outbound requests that cannot reach private networks (SSRF guard)
const dns = require('node:dns/promises');
const net = require('node:net');

const ALLOWED_PROTOCOLS = new Set(['https:']);
const MAX_REDIRECTS = ${1:3};
const TIMEOUT_MS = ${2:5000};
const MAX_BYTES = ${3:1048576};

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
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return isPrivateAddress(mapped[1]);
  return ip === '::' || ip === '::1' || ip.startsWith('fc') || ip.startsWith('fd') || /^fe[89ab]/.test(ip) || ip.startsWith('ff');
}

/** Resolves the host and refuses private targets; redirects are followed by hand and checked again. */
async function safeFetch(input, options = {}) {
  let url = new URL(input);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!ALLOWED_PROTOCOLS.has(url.protocol)) throw new Error(`blocked protocol ${url.protocol}`);
    const addresses = await dns.lookup(url.hostname, { all: true, verbatim: true });
    if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
      throw new Error(`blocked private address for ${url.hostname}`);
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

module.exports = { safeFetch, isPrivateAddress };
