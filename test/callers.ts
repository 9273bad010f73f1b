/** Fixtures of the caller suites: a support console and a nightly CRM sync on one Page. */
const CONSOLE_KEY = 'console-key-0123456789abcdef';
const SYNC_KEY = 'crm-sync-key-0123456789abcdef';
export const AS_CONSOLE = { authorization: `Bearer ${CONSOLE_KEY}` };
export const AS_SYNC = { authorization: `Bearer ${SYNC_KEY}` };

/** GATEWAY_CALLERS: `console` (interactive, no budget) and `crm-sync` (bulk, with the given budget). */
export function callersEnv(syncLookupsPerMinute?: number): { GATEWAY_CALLERS: string } {
  return {
    GATEWAY_CALLERS: JSON.stringify({
      console: { key: CONSOLE_KEY, priority: 'interactive' },
      'crm-sync': { key: SYNC_KEY, priority: 'bulk', ...(syncLookupsPerMinute ? { lookupsPerMinute: syncLookupsPerMinute } : {}) },
    }),
  };
}

/** `users(psids:)` selecting firstName. */
export const usersQuery = (psids: readonly string[]) =>
  `{ users(psids: [${psids.map((p) => `"${p}"`).join(', ')}]) { psid profile { firstName } } }`;
