import { strict as assert } from 'node:assert';
import { NodeCache, withFileCaches } from '../../src/core/file-caches';
import { analyzeSource } from '../../src/core/analyze';
import { SOURCE_RULES } from '../../src/core/registry';

describe('file caches', () => {
  it('keep what is stored during one file and drop it when the file is done', () => {
    const cache = new NodeCache<object, string>();
    const key = {};
    withFileCaches(() => {
      cache.set(key, 'scope');
      assert.equal(cache.get(key), 'scope');
    });
    assert.equal(cache.get(key), undefined);
    withFileCaches(() => assert.equal(cache.get(key), undefined, 'a later file starts empty'));
  });

  it('work outside an analysis too (a helper called from a test or a tool)', () => {
    const cache = new NodeCache<object, number>();
    const key = {};
    cache.set(key, 1);
    assert.equal(cache.get(key), 1);
  });

  it('drop the caches even when the analysis throws', () => {
    const cache = new NodeCache<object, number>();
    const key = {};
    assert.throws(() => withFileCaches(() => {
      cache.set(key, 1);
      throw new Error('boom');
    }), /boom/);
    assert.equal(cache.get(key), undefined);
  });

  it('share the outer file’s caches in a nested call', () => {
    const cache = new NodeCache<object, number>();
    const key = {};
    withFileCaches(() => {
      cache.set(key, 1);
      withFileCaches(() => assert.equal(cache.get(key), 1));
      assert.equal(cache.get(key), 1);
    });
  });

  it('give the same findings when a file is analyzed twice (nothing stale carries over)', () => {
    const text = [
      "const express = require('express');",
      "const { Pool } = require('pg');",
      'const app = express();',
      'const pool = new Pool();',
      "app.get('/users', async (req, res) => {",
      '  const { rows } = await pool.query(`SELECT * FROM users WHERE name = \'${req.query.name}\'`);',
      '  res.json(rows);',
      '});',
    ].join('\n');
    const ids = (): string[] => analyzeSource('app.js', text, { rules: SOURCE_RULES }).findings.map((f) => `${f.ruleId}:${f.line}`);
    const first = ids();
    assert.ok(first.includes('sql-injection:6'), first.join(', '));
    assert.deepEqual(ids(), first);
  });
});
