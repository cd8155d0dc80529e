import { isMap } from 'yaml';
import {
  checkConfigFiles, configKind, eolOf, evidenceAt, findingAt, lineStartOf, pairOf, parseWorkflow, rangeOf, stringScalar,
  type KeyPair, type Workflow,
} from '../config-text';
import type { Evidence, Fix, ProjectFinding, ProjectRule } from '../types';

/**
 * The GITHUB_TOKEN's permissions are not restricted: no top-level
 * `permissions` while some job sets none either (the token then gets the
 * repository default, read-write on older repositories and organizations),
 * `permissions: write-all`, or `contents: write` for a whole workflow that
 * `pull_request_target` triggers (it runs with secrets on events from forks).
 * Reusable workflows triggered only by `workflow_call` inherit the caller's
 * token and are left to the caller.
 */

function isWriteAll(p: KeyPair | undefined): boolean {
  return stringScalar(p?.value)?.value.trim().toLowerCase() === 'write-all';
}

/** `permissions:\n  contents: read\n` before `jobs:`, indented as the jobs are. */
function addPermissionsFix(text: string, wf: Workflow): Fix | undefined {
  const jobsKey = wf.jobsPair?.key;
  const r = rangeOf(jobsKey);
  if (!r) return undefined;
  const lineStart = lineStartOf(text, r.start);
  if (lineStart !== r.start) return undefined; // `jobs:` not at column 1 (flow style): leave it to a person
  const firstJob = wf.jobs[0];
  const jr = rangeOf(firstJob?.key);
  const indent = jr ? ' '.repeat(Math.max(1, jr.start - lineStartOf(text, jr.start))) : '  ';
  const nl = eolOf(text);
  const prevLineEnd = lineStart - 1;
  const prevLine = prevLineEnd > 0 ? text.slice(lineStartOf(text, prevLineEnd), prevLineEnd).trim() : 'x';
  const blank = prevLine === '' ? nl : '';
  return {
    title: 'Restrict the token to `contents: read`',
    edits: [{ start: lineStart, end: lineStart, newText: `permissions:${nl}${indent}contents: read${nl}${blank}` }],
  };
}

export const rule: ProjectRule = {
  kind: 'project',
  id: 'actions-permissions',
  row: 'supply-chain',
  severity: 'warning',
  description: 'Detects GitHub Actions workflows with unrestricted GITHUB_TOKEN permissions (none set, write-all, or contents: write on pull_request_target).',
  message: 'Workflow token permissions are not restricted: add `permissions: contents: read` at the top and grant more per job only where needed.',
  fixable: true,
  docs: {
    why:
      'Without a `permissions` block the GITHUB_TOKEN gets the repository default, which is read-write on many repositories ' +
      'and organizations: a compromised action, dependency or injected script can push code, rewrite releases or approve ' +
      'pull requests. Least privilege limits what a single bad step can do.',
    bad: 'name: CI\non: [push, pull_request]\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test',
    good: 'name: CI\non: [push, pull_request]\n\npermissions:\n  contents: read\n\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test',
    fix:
      'Add `permissions:` with `contents: read` at the top of the workflow, and give a job more (`pull-requests: write`, ' +
      '`id-token: write`) in its own `permissions` block only where it needs it. Never use `write-all`; in ' +
      '`pull_request_target` workflows keep `contents: read` at the top.',
    cwe: ['CWE-250', 'CWE-732'],
    owasp: ['A01:2021', 'A05:2021'],
  },
  appliesTo: (rel) => configKind(rel) === 'workflow',
  check(project) {
    return checkConfigFiles(rule, project);
  },
  checkFile(rel, text) {
    const wf = parseWorkflow(text);
    const findings: ProjectFinding[] = [];
    const evidence: Evidence[] = [];
    if (!wf || wf.jobs.length === 0) return { findings, evidence };
    if (wf.triggers.size > 0 && [...wf.triggers].every((t) => t === 'workflow_call')) return { findings, evidence };
    const at = (node: { range?: [number, number, number] | null } | undefined, message: string, fixes?: Fix[]): void => {
      const r = rangeOf(node);
      if (r) findings.push(findingAt(rel, text, r.start, r.end, message, fixes));
    };
    if (wf.permissions) {
      if (isWriteAll(wf.permissions)) {
        at(wf.permissions.value as never, '`permissions: write-all` gives every job a token that can push, release and change settings: grant only what each job needs.');
      } else if (wf.triggers.has('pull_request_target') && isMap(wf.permissions.value)) {
        const contents = pairOf(wf.permissions.value, 'contents');
        if (stringScalar(contents?.value)?.value === 'write') {
          at(contents!.value as never,
            '`contents: write` for a whole pull_request_target workflow: code from forks runs with a token that can push; move write access to the one job that needs it.');
        }
      }
    } else {
      const open = wf.jobs.filter((j) => !j.permissions);
      if (open.length > 0) {
        const fix = addPermissionsFix(text, wf);
        const names = open.map((j) => j.id).join(', ');
        at(wf.jobsPair?.key,
          `No \`permissions\` for the workflow or job(s) ${names}: the token gets the repository default (often read-write); add \`permissions: contents: read\`.`,
          fix ? [fix] : []);
      }
    }
    for (const job of wf.jobs) {
      if (isWriteAll(job.permissions)) {
        at(job.permissions!.value as never, `Job ${job.id} asks for \`permissions: write-all\`: grant only the scopes it needs.`);
      }
    }
    if (findings.length === 0) {
      const msg = wf.permissions ? 'token permissions restricted at the top of the workflow' : 'every job restricts its token permissions';
      evidence.push(evidenceAt('ci-permissions', msg, rel, text, rangeOf(wf.permissions?.key ?? wf.jobsPair?.key)?.start ?? 0));
    }
    return { findings, evidence };
  },
};
