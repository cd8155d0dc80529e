import { isIdentifier, isPropertyAccessExpression, isStringLiteral, ts } from '../ts';
import type { Fix, SourceRule } from '../types';
import {
  ACAO, corsGates, corsSetup, credentialsAllowedNear, headerWrites, isOriginRead, isServerlessResponseHeader, originGuarded,
  type HeaderWrite,
} from './cors-wildcard-origin';

/**
 * CORS that echoes whatever origin asks: `cors({ origin: true })`, an origin
 * callback that always says yes (`(origin, cb) => cb(null, true)`), or
 * `res.setHeader('Access-Control-Allow-Origin', req.headers.origin)` with no
 * allowlist check before it. With credentials this lets any site read
 * authenticated responses.
 */
export const rule: SourceRule = {
  id: 'cors-reflected-origin',
  row: 'cors',
  severity: 'error',
  description: 'Detects CORS that reflects the request Origin back without an allowlist check (origin: true, an always-true origin callback, or Access-Control-Allow-Origin set from the Origin header).',
  message: 'CORS reflects any request origin: check the origin against an allowlist before allowing it.',
  fixable: true,
  docs: {
    why:
      'Reflecting the Origin header allows every web site, including an attacker\'s, to make cross-origin requests and read the responses. ' +
      'With `credentials: true` the browser attaches the victim\'s cookies, so any page they visit can read their private data and act as them ' +
      '(a wildcard is at least refused by browsers together with credentials; a reflected origin is not).',
    bad:
      "app.use(cors({ origin: true, credentials: true }));\n\n" +
      "// or by hand\nres.setHeader('Access-Control-Allow-Origin', req.headers.origin);\nres.setHeader('Access-Control-Allow-Credentials', 'true');",
    good:
      "const allowedOrigins = new Set(['https://app.example.com']);\n\n" +
      'app.use(cors({\n  origin: (origin, cb) => cb(null, !origin || allowedOrigins.has(origin)),\n  credentials: true,\n}));',
    fix:
      'Replace `origin: true` or the always-true callback with an explicit allowlist (an array, a Set lookup or a strict regex). ' +
      'When setting the header by hand, only echo the origin after `allowedOrigins.includes(origin)` succeeds, and send `Vary: Origin`.',
    cwe: ['CWE-942', 'CWE-346'],
    owasp: ['A05:2021', 'A01:2021'],
  },
  create(ctx) {
    const { maySetup, mayHeader } = corsGates(ctx);
    if (!maySetup && !mayHeader) return {};
    const report = (node: ts.Node, what: string, credentials: boolean, fix?: Fix): void => {
      ctx.report(node, {
        fixes: fix ? [fix] : [],
        message: credentials
          ? `${what} reflects any request origin with credentials: every site can read your users' authenticated responses. Check the origin against an allowlist.`
          : `${what} reflects any request origin: check the origin against an allowlist before allowing it.`,
      });
    };
    const headerWrite = (w: HeaderWrite): void => {
      if (!isOriginRead(w.value) || originGuarded(w.node, w.value)) return;
      report(w.node, 'Access-Control-Allow-Origin set from the Origin header', credentialsAllowedNear(w.node));
    };
    return {
      CallExpression(node: ts.CallExpression) {
        const e = node.expression;
        if (isPropertyAccessExpression(e)) {
          const name = e.name.text;
          if (name === 'setHeader' || name === 'header' || name === 'set' || name === 'append' || name === 'headers' || name === 'writeHead' || name === 'setHeaders') {
            if (mayHeader) for (const w of headerWrites(node)) if (w.name === ACAO) headerWrite(w);
            return;
          }
          if (name !== 'register' && name !== 'enableCors' && name !== 'create') return;
        } else if (!isIdentifier(e)) {
          return;
        }
        if (!maySetup) return;
        const setup = corsSetup(ctx, node);
        if (setup?.kind === 'reflect') report(setup.node, setup.label, setup.credentials, setup.fix);
      },
      PropertyAssignment(node: ts.PropertyAssignment) {
        if (!mayHeader || !isStringLiteral(node.name) || node.name.text.length !== ACAO.length || node.name.text.toLowerCase() !== ACAO) return;
        if (!isServerlessResponseHeader(node)) return;
        headerWrite({ name: ACAO, value: node.initializer, node });
      },
    };
  },
};
