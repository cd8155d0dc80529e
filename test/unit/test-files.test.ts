import * as assert from 'node:assert/strict';
import { isCliFile, isTestFile, isTestOrSampleFile } from '../../src/core/lib/test-files';

describe('test, sample and CLI files', () => {
  it('isTestFile: test folders, test suffixes and test helpers', () => {
    for (const f of ['test/app.js', 'src/__tests__/a.ts', 'src/users.spec.ts', 'e2e/login.ts', 'auth/testhelp.js', 'src/test-utils.ts', 'lib/test_helpers.js', 'src\\tests\\a.js']) {
      assert.ok(isTestFile(f), f);
    }
    for (const f of ['src/app.ts', 'src/testimonials.ts', 'src/contest/helpers.js', 'src/latest-help.js', 'routes/attestation.js']) {
      assert.ok(!isTestFile(f), f);
    }
  });

  it('isTestOrSampleFile adds seeds, examples and demos', () => {
    assert.ok(isTestOrSampleFile('db/seeds/users.js'));
    assert.ok(isTestOrSampleFile('examples/server.js'));
    assert.ok(!isTestOrSampleFile('src/seedling.ts'));
  });

  it('isCliFile: bin, cli, commands and scripts folders', () => {
    for (const f of ['bin/serve.ts', 'src/commands/user.js', 'packages/cli/index.js', 'scripts/migrate.js', 'compiled/command/exec.js']) assert.ok(isCliFile(f), f);
    for (const f of ['src/app.ts', 'src/binary.ts', 'src/scripting/run.js', 'src/commander.js']) assert.ok(!isCliFile(f), f);
  });
});
