import * as assert from 'node:assert/strict';
import { ts } from '../../src/core/ts';
import { parse } from '../../src/core/analyze';
import { inDevOnlyBranch } from '../../src/core/lib/dev-only';

/** The `probe()` call in the code. */
function probe(code: string): ts.Node {
  const sf = parse('x.ts', code);
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'probe') found = n;
    ts.forEachChild(n, visit);
  };
  visit(sf);
  assert.ok(found, 'no probe() in the code');
  return found;
}

describe('dev-only branches', () => {
  it('knows the development side of the usual conditions', () => {
    for (const code of [
      'if (isDev) probe();',
      'if (config.isDevelopment) { probe(); }',
      "if (process.env.NODE_ENV === 'development') probe();",
      "if (process.env.NODE_ENV !== 'production') probe();",
      "if ('production' !== env) probe();",
      "if (app.get('env') === 'development') probe();",
      "if (process.env.NODE_ENV === 'production') { serve(); } else { probe(); }",
      'if (!isProduction) probe();',
      'if (isDev && argv.verbose) probe();',
      'if (isProd || process.env.CI) { strict(); } else { probe(); }',
      "if (isDev) { app.post('/test', (req, res) => { probe(); }); }",
    ]) assert.equal(inDevOnlyBranch(probe(code)), true, code);
  });

  it('leaves production and undecided code alone', () => {
    for (const code of [
      'probe();',
      'if (isProd) probe();',
      "if (process.env.NODE_ENV === 'production') probe();",
      'if (isDev) { run(); } else { probe(); }',
      'if (isDev || argv.verbose) probe();',
      'if (debug) probe();',
      'if (options.debugMode) probe();',
      "if (process.env.LOG_LEVEL === 'development') probe();",
      'if (probe()) dev();',
    ]) assert.equal(inDevOnlyBranch(probe(code)), false, code);
  });
});
