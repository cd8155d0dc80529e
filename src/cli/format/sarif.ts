import type * as Sarif from 'sarif';
import { renderRuleDoc } from '../../core/docs';
import { docsUrl, REPOSITORY_URL, TOOL_NAME, VERSION } from '../../core/meta';
import { RULES } from '../../core/registry';
import { SUPPRESSION_EXPIRED_RULE_ID, SUPPRESSION_RULE_ID } from '../../core/analyze';
import { fingerprintsOf } from '../../core/baseline';
import type { RuleMeta, Severity } from '../../core/types';
import type { Report } from '../report';

/** Versioned, as SARIF asks: a change to how fingerprints are computed gets a new key. */
export const FINGERPRINT_KEY = 'preflightFindingHash/v1';

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', info: 'note' };

/** The meta rules about suppression comments themselves, reported by analyzeSource. */
const SUPPRESSION_META: RuleMeta[] = [{
  id: SUPPRESSION_RULE_ID,
  row: 'secrets',
  severity: 'warning',
  description: 'Detects preflight-ignore comments that give no reason.',
  message: 'Suppression gives no reason.',
  fixable: false,
  docs: {
    why: 'A suppression without a reason hides a finding with nothing for a reviewer to check.',
    bad: '// preflight-ignore-next-line sql-injection',
    good: '// preflight-ignore-next-line sql-injection -- table name comes from a fixed enum',
    fix: 'Add `-- <reason>` after the rule id.',
    cwe: [],
    owasp: [],
  },
}, {
  id: SUPPRESSION_EXPIRED_RULE_ID,
  row: 'secrets',
  severity: 'warning',
  description: 'Detects preflight-ignore comments whose `until YYYY-MM-DD` date has passed or is not a valid date.',
  message: 'Suppression expired: fix the finding or renew the suppression with a new reason.',
  fixable: false,
  docs: {
    why: 'A suppression with `until` was accepted for a limited time; once the date passes it stops hiding the finding, so that temporary exceptions do not become permanent. An unreadable date cannot be judged and is reported the same way.',
    bad: '// preflight-ignore-next-line sql-injection -- legacy report, rewrite planned until 2024-01-31',
    good: '// preflight-ignore-next-line sql-injection -- table name comes from a fixed enum until 2027-03-31',
    fix: 'Fix the finding and delete the comment, or renew it with a new reason and a new `until YYYY-MM-DD` date (a real date, UTC).',
    cwe: [],
    owasp: [],
  },
}];

/** SARIF 2.1.0 for code scanning: rule metadata with help, results with regions relative to the scanned folder. */
export function formatSarif(report: Report): string {
  const rules = [...RULES, ...SUPPRESSION_META];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const descriptors: Sarif.ReportingDescriptor[] = rules.map((r) => {
    const markdown = renderRuleDoc(r);
    return {
      id: r.id,
      name: camel(r.id),
      shortDescription: { text: r.description },
      fullDescription: { text: r.docs.why },
      help: { text: `${r.docs.why}\n\nHow to fix: ${r.docs.fix}`, markdown },
      helpUri: docsUrl(r.id),
      defaultConfiguration: { level: LEVEL[r.severity] },
      properties: {
        tags: ['security', ...r.docs.cwe.map((c) => `external/cwe/${c.toLowerCase()}`)],
        'preflight-row': r.row,
        precision: 'high',
      },
    };
  });
  // The baseline's fingerprints, which survive line shifts and re-indentation: code scanning
  // matches results across runs by them instead of by line.
  const fingerprints = fingerprintsOf(report.findings);
  const results: Sarif.Result[] = report.findings.map((f, i) => {
    const result: Sarif.Result = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [location(f.file, f.line, f.column, f.endLine, f.endColumn)],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprints[i] },
      properties: { row: f.row, fixable: f.fixes.length > 0 },
    };
    if (f.related?.length) {
      result.relatedLocations = f.related.map((r, i) => ({
        id: i + 1,
        message: { text: r.message },
        physicalLocation: location(r.file, r.line, r.column).physicalLocation,
      }));
    }
    return result;
  });
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: VERSION, semanticVersion: VERSION, informationUri: REPOSITORY_URL, rules: descriptors } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToUri(report.result.root) } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.result.skipped.map((s) => ({
              level: 'note',
              message: { text: `skipped: ${s.reason}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: encodePath(s.file), uriBaseId: '%SRCROOT%' } } }],
            })),
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

function location(file: string, line: number, column: number, endLine?: number, endColumn?: number): Sarif.Location {
  const region: Sarif.Region = { startLine: line, startColumn: column };
  if (endLine !== undefined && endColumn !== undefined && (endLine > line || endColumn > column)) {
    region.endLine = endLine;
    region.endColumn = endColumn;
  }
  return { physicalLocation: { artifactLocation: { uri: encodePath(file), uriBaseId: '%SRCROOT%' }, region } };
}

function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

function pathToUri(abs: string): string {
  const p = abs.replace(/\\/g, '/');
  return `file://${p.startsWith('/') ? '' : '/'}${encodePath(p)}/`.replace(/%3A/g, ':');
}

function camel(id: string): string {
  return id.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}
