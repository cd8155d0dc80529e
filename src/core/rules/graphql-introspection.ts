import {
  isBinaryExpression, isConditionalExpression, isIdentifier, isIfStatement, isPropertyAssignment,
  isSourceFile, isVariableDeclaration, SyntaxKind, ts,
} from '../ts';
import { textHas } from '../lib/text-hints';
import { fileMayCreateGraphqlServer, graphqlServerOf, isTestOrSampleFile, isTrue, type GraphqlServer } from '../lib/protocols';
import { preferredQuote } from '../fix';
import type { RuleContext, SourceRule } from '../types';

/** Options that expose the schema or an IDE, per server kind. Defaults are off in production for Apollo; `true` forces them on. */
const EXPOSING_OPTIONS: Record<GraphqlServer['kind'], readonly string[]> = {
  apollo: ['introspection', 'playground'],
  nest: ['introspection', 'playground'],
  'express-graphql': ['graphiql'],
  mercurius: ['graphiql', 'ide'],
  yoga: [],
  'graphql-http': [],
};

/** Conditions that mean "not in production": NODE_ENV checks, isDev / isProduction flags. */
const ENV_GUARD = /NODE_ENV|production|development|\bis(Dev|Prod|Development|Production|Local|Test)\b|\b(dev|debug)\b/i;

/**
 * A GraphQL server that turns introspection (or an IDE) on unconditionally:
 *
 *   new ApolloServer({ typeDefs, resolvers, introspection: true });
 *   app.use('/graphql', graphqlHTTP({ schema, graphiql: true }));
 *
 * Apollo Server (2, 3 and 4) already disables introspection when NODE_ENV is
 * production, so only an explicit `true` outside an environment check is
 * reported. Emits the `graphql` fact for every GraphQL server.
 */
export const rule: SourceRule = {
  id: 'graphql-introspection',
  row: 'graphql',
  severity: 'warning',
  description: 'Detects GraphQL servers with introspection or a GraphQL IDE enabled unconditionally, in production too.',
  message: "GraphQL introspection forced on in every environment: use `introspection: process.env.NODE_ENV !== 'production'`.",
  fixable: true,
  docs: {
    why:
      'Introspection hands anyone the full schema: every query, mutation, argument and internal field, including the admin and ' +
      'debugging ones nobody linked from the UI. It turns guessing into reading, and tools like graphql-voyager or InQL map the attack ' +
      'surface in seconds. Apollo switches it off in production by default; `introspection: true` switches it back on.',
    bad: 'const server = new ApolloServer({ typeDefs, resolvers, introspection: true });',
    good: "const server = new ApolloServer({\n  typeDefs,\n  resolvers,\n  introspection: process.env.NODE_ENV !== 'production',\n});",
    fix:
      "Enable introspection and GraphQL IDEs only outside production (`introspection: process.env.NODE_ENV !== 'production'`, " +
      "`graphiql: process.env.NODE_ENV !== 'production'`); publish the schema to your team through a registry or the repository instead.",
    cwe: ['CWE-200', 'CWE-497'],
    owasp: ['A05:2021', 'A01:2021'],
  },
  create(ctx) {
    if (isTestOrSampleFile(ctx.file)) return {};
    // Every server module the import scan accepts spells one of these in its specifier.
    const text = ctx.text;
    if (!textHas(text, 'apollo') && !textHas(text, 'graphql') && !textHas(text, 'mercurius')) return {};
    if (!fileMayCreateGraphqlServer(ctx)) return {};
    const onCall = (node: ts.CallExpression | ts.NewExpression): void => {
      const server = graphqlServerOf(ctx, node);
      if (!server) return;
      ctx.fact('graphql', node);
      if (!server.options) return;
      for (const key of EXPOSING_OPTIONS[server.kind]) {
        const value = server.options.props.get(key);
        if (!value || !isTrue(value) || isEnvGuarded(value)) continue;
        report(ctx, server, key, value);
      }
    };
    return {
      NewExpression: onCall,
      CallExpression: onCall,
    };
  },
};

function report(ctx: RuleContext, server: GraphqlServer, key: string, value: ts.Expression): void {
  const sf = ctx.sourceFile;
  const q = preferredQuote(sf);
  const guard = `process.env.NODE_ENV !== ${q}production${q}`;
  const prop = value.parent;
  const at = prop && isPropertyAssignment(prop) ? prop : value;
  const what = key === 'introspection' ? 'introspection' : `the ${key === 'ide' ? 'GraphQL IDE' : key} IDE (which runs introspection)`;
  ctx.report(at, {
    message: `${server.label} enables ${what} in every environment, production included: use \`${key}: ${guard}\`.`,
    fixes: [{ title: `Enable ${key} outside production only`, edits: [{ start: value.getStart(sf), end: value.end, newText: guard }], preferred: false }],
  });
}

/** True when the value sits under an `if` or a `?:` that checks the environment. */
function isEnvGuarded(value: ts.Node): boolean {
  for (let n: ts.Node | undefined = value.parent; n && !isSourceFile(n); n = n.parent) {
    if (isIfStatement(n) && ENV_GUARD.test(n.expression.getText())) return true;
    if (isConditionalExpression(n) && ENV_GUARD.test(n.condition.getText())) return true;
    if (isBinaryExpression(n) && n.operatorToken.kind === SyntaxKind.AmpersandAmpersandToken && ENV_GUARD.test(n.left.getText())) return true;
    // A server built by `createDevServer()` / `devGraphql()`: the function's name says where it runs.
    if (ts.isFunctionLike(n)) {
      const name = (n as ts.FunctionDeclaration).name ?? (isVariableDeclaration(n.parent) ? n.parent.name : undefined);
      return !!name && isIdentifier(name) && /dev|local|test|mock/i.test(name.text);
    }
  }
  return false;
}
