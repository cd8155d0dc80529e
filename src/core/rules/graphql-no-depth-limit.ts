import { ts } from '../ts';
import { numberValue } from '../ast';
import { addPropertiesEdits, ensureImport } from '../fix';
import { fileImportsLimitLibrary, fileMayCreateGraphqlServer, graphqlServerOf, isTestOrSampleFile, limitLibraryOf, mayConfigureLimit, type GraphqlServer } from '../lib/protocols';
import type { Fix, RuleContext, SourceRule, TextEdit } from '../types';

/** Servers that take graphql-js `validationRules`, so `depthLimit(10)` can be added as is. */
const VALIDATION_RULES_KINDS: ReadonlySet<GraphqlServer['kind']> = new Set(['apollo', 'nest', 'express-graphql', 'graphql-http']);
const MAX_DEPTH = 10;

/**
 * A GraphQL server with no query depth or complexity limit in the file (and
 * none configured anywhere else in the workspace):
 *
 *   const server = new ApolloServer({ typeDefs, resolvers });        // no validationRules
 *   app.register(mercurius, { schema, resolvers });                  // no queryDepth
 *
 * Emits `graphql-hardened` where a limit is configured: graphql-depth-limit,
 * graphql-query-complexity, graphql-armor, @envelop/depth-limit, mercurius `queryDepth`.
 */
export const rule: SourceRule = {
  id: 'graphql-no-depth-limit',
  row: 'graphql',
  severity: 'warning',
  description: 'Detects GraphQL servers without a query depth or complexity limit.',
  message: 'GraphQL server without a query depth or complexity limit: add `validationRules: [depthLimit(10)]` (graphql-depth-limit) or a cost limit.',
  fixable: true,
  docs: {
    why:
      'GraphQL lets the client choose how deep and wide a query goes. A cyclic schema (user → posts → author → posts …) lets one small ' +
      'request fan out into millions of resolver calls and database queries: a denial of service that no rate limit counting requests ' +
      'will notice. A depth limit (and ideally a cost limit) rejects such queries before they run.',
    bad: 'const server = new ApolloServer({ typeDefs, resolvers });',
    good:
      "import depthLimit from 'graphql-depth-limit';\n\n" +
      'const server = new ApolloServer({\n' +
      '  typeDefs,\n' +
      '  resolvers,\n' +
      '  validationRules: [depthLimit(10)],\n' +
      '});',
    fix:
      'Install graphql-depth-limit and pass `validationRules: [depthLimit(10)]` (Apollo, express-graphql, graphql-http, NestJS), ' +
      '`queryDepth: 10` to mercurius, or `useDepthLimit({ maxDepth: 10 })` to graphql-yoga; add a cost limit (graphql-query-complexity ' +
      'or graphql-armor) for wide queries.',
    cwe: ['CWE-770', 'CWE-400'],
    owasp: ['A04:2021', 'A05:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    // The import scans look at top-level statements only (importedModules() is cached and shared):
    // far cheaper than the text scans, so they go first; the text test is kept as it was.
    const serverFile = fileMayCreateGraphqlServer(ctx);
    const limitFile = fileImportsLimitLibrary(ctx);
    if (!serverFile && !limitFile) return {};
    // Every server or limit module the import scans accept spells one of these in its specifier.
    const text = ctx.text;
    if (!text.includes('graphql') && !text.includes('apollo') && !text.includes('mercurius') && !text.includes('envelop') && !text.includes('graphile')) return {};
    const servers: GraphqlServer[] = [];
    let limited = false;
    const onCall = (node: ts.CallExpression | ts.NewExpression): void => {
      const server = serverFile ? graphqlServerOf(ctx, node) : undefined;
      if (server) {
        servers.push(server);
        const depth = server.kind === 'mercurius' ? server.options?.props.get('queryDepth') : undefined;
        if (depth && (numberValue(depth) ?? 1) > 0) {
          limited = true;
          ctx.evidence('graphql-hardened', node, 'mercurius queryDepth limit configured');
        }
        return;
      }
      if (!limitFile || limited) return;
      const lib = limitLibraryOf(ctx, node);
      if (!lib) return;
      limited = true;
      ctx.evidence('graphql-hardened', node, `GraphQL query limit configured (${lib})`);
    };
    return {
      NewExpression: onCall,
      CallExpression: onCall,
      onEnd() {
        if (limited) return;
        for (const server of servers) {
          if (mayConfigureLimit(server)) continue;
          ctx.report(server.node, {
            message: `${server.label} without a query depth or complexity limit: ${advice(server)}`,
            fixes: fixFor(ctx, server),
            unlessEvidence: 'graphql-hardened',
          });
        }
      },
    };
  },
};

function advice(server: GraphqlServer): string {
  switch (server.kind) {
    case 'mercurius':
      return `set \`queryDepth: ${MAX_DEPTH}\` so deeply nested queries are rejected before they run.`;
    case 'yoga':
      return `add \`useDepthLimit({ maxDepth: ${MAX_DEPTH} })\` (@envelop/depth-limit) or graphql-armor to its plugins.`;
    default:
      return `add \`validationRules: [depthLimit(${MAX_DEPTH})]\` (install graphql-depth-limit) so deeply nested queries are rejected before they run.`;
  }
}

/** `validationRules: [depthLimit(10)]` plus the import, or mercurius `queryDepth: 10`, added to the options literal. */
function fixFor(ctx: RuleContext, server: GraphqlServer): Fix[] {
  const opts = server.options;
  if (!opts) return [];
  const sf = ctx.sourceFile;
  if (server.kind === 'mercurius') {
    return [{ title: `Set queryDepth: ${MAX_DEPTH}`, edits: addPropertiesEdits(sf, opts.literal, [`queryDepth: ${MAX_DEPTH}`]), preferred: false }];
  }
  if (!VALIDATION_RULES_KINDS.has(server.kind) || opts.props.has('validationRules')) return [];
  const edits: TextEdit[] = [...addPropertiesEdits(sf, opts.literal, [`validationRules: [depthLimit(${MAX_DEPTH})]`])];
  const imp = ensureImport(sf, 'graphql-depth-limit', 'depthLimit');
  if (imp) edits.push(imp);
  return [{ title: `Limit query depth to ${MAX_DEPTH} with graphql-depth-limit (add the package)`, edits, preferred: false }];
}
