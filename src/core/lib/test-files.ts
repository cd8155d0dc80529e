/**
 * Files whose code never ships: rules that judge what production runs leave
 * them alone (and record no facts or evidence from them).
 */

const TEST_FILE = /(^|\/)(test|tests|__tests__|__mocks__|mocks?|spec|e2e|cypress|fixtures?)\/|\.(test|spec|e2e|stories)\.[cm]?[jt]sx?$|(^|\/)test[-_]?(help|helpers?|utils?|setup|support)\.[cm]?[jt]sx?$/i;

/** Tests, mocks, fixtures, e2e suites, stories and test helpers (`testhelp.js`, `test-utils.ts`): they sign throw-away tokens and compare fake secrets on purpose. */
export function isTestFile(file: string): boolean {
  // Every rule asks it of the file being analyzed: the last answer is kept.
  if (file !== lastTestFile) {
    lastTestFile = file;
    lastTestAnswer = TEST_FILE.test(file.replace(/\\/g, '/'));
  }
  return lastTestAnswer;
}

let lastTestFile: string | undefined;
let lastTestAnswer = false;

const SAMPLE_FILE = /(^|\/)(seeds?|seeders?|examples?|demo)\/|\.(mock|fixture|seed)\.[cm]?[jt]sx?$/i;

/** isTestFile, plus seeds, examples and demos: files that hold fake credentials and sample data by design. */
export function isTestOrSampleFile(file: string): boolean {
  return isTestFile(file) || SAMPLE_FILE.test(file.replace(/\\/g, '/'));
}

const CLI_FILE = /(^|\/)(bin|cli|commands?|scripts)\//i;

/**
 * Command-line entry points (`bin/`, `cli/`, `commands/`, `scripts/`): they run in an operator's
 * terminal, and may bootstrap a framework (an Express app included) without serving anything.
 */
export function isCliFile(file: string): boolean {
  return CLI_FILE.test(file.replace(/\\/g, '/'));
}
