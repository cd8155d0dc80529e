declare const __PREFLIGHT_VERSION__: string | undefined;

/** Set by the build; tests running from source read package.json. */
export const VERSION: string =
  typeof __PREFLIGHT_VERSION__ === 'string' ? __PREFLIGHT_VERSION__ : (require('../../package.json') as { version: string }).version;

export const TOOL_NAME = 'Preflight';
export const REPOSITORY_URL = 'https://github.com/preflight-dev/preflight';

/** Where a rule's documentation lives online; derived from the id, never typed by hand. */
export function docsUrl(ruleId: string): string {
  return `${REPOSITORY_URL}/blob/main/docs/rules/${ruleId}.md`;
}
