import { strict as assert } from 'node:assert';
import { memoWords } from '../../src/core/lib/words';
import { nameWords } from '../../src/core/rules/hardcoded-secret';
import { nameWords as tokenNameWords } from '../../src/core/rules/jwt-verify-algorithms';

describe('name words, kept across files', () => {
  it('split names as before and share one frozen answer per name', () => {
    assert.deepEqual(nameWords('stripeSecretKey'), ['stripe', 'secret', 'key']);
    assert.deepEqual(nameWords('API_KEY'), ['api', 'key']);
    assert.deepEqual(tokenNameWords('accesstoken'), ['access', 'token']);
    const first = nameWords('jwtRefreshSecret');
    assert.equal(nameWords('jwtRefreshSecret'), first, 'the second question gets the kept array');
    assert.ok(Object.isFrozen(first), 'shared answers cannot be changed by a caller');
    assert.throws(() => (first as string[]).push('x'), TypeError);
  });

  it('start over past the cap instead of growing without bound', () => {
    const memo = new Map<string, readonly string[]>();
    let splits = 0;
    const split = (n: string): string[] => {
      splits++;
      return [n];
    };
    for (let i = 0; i < 20_000; i++) memoWords(memo, `name${i}`, split);
    assert.equal(memo.size, 20_000);
    memoWords(memo, 'name0', split);
    assert.equal(splits, 20_000, 'a kept name is not split again');
    memoWords(memo, 'another', split);
    assert.equal(memo.size, 1, 'the memo starts over when full');
  });
});
