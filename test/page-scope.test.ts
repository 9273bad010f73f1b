import { describe, expect, it } from 'vitest';
import { codesByPath, useStack } from './helpers.js';
import { ALICE, P1, P2, P3, PETER, twoPages } from './two-pages.js';

const key = (name: string) => `${name}-key-0123456789abcdef`;
const as = (name: string) => ({ authorization: `Bearer ${key(name)}` });

describe('callers limited to some Pages (GATEWAY_CALLERS pages)', () => {
  const stack = useStack(
    twoPages({
      GATEWAY_CALLERS: JSON.stringify({
        'agent-a': { key: key('agent-a'), priority: 'interactive', pages: [P1] },
        'agent-ab': { key: key('agent-ab'), priority: 'interactive', pages: [P1, P2] },
        nobody: { key: key('nobody'), priority: 'interactive', pages: [] },
        server: { key: key('server'), priority: 'bulk' },
      }),
    }),
  );

  it('reads its own Page, and gets FORBIDDEN for another in user, users, pageStatus and refreshUser, with no upstream call', async () => {
    const own = await stack.query(`{ user(psid: "${PETER}", pageId: "${P1}") { profile { firstName } } }`, undefined, as('agent-a'));
    expect(own.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    stack.emulator.reset();

    // Each root field is non-null: one refused field nulls the whole answer, so each goes alone.
    const operations = {
      user: `{ user(psid: "${ALICE}", pageId: "${P2}") { profile { firstName } } }`,
      users: `{ users(psids: ["${ALICE}"], pageId: "${P2}") { profile { firstName } } }`,
      pageStatus: `{ pageStatus(pageId: "${P2}", probePsid: "${ALICE}") { pageId } }`,
      refreshUser: `mutation { refreshUser(psid: "${ALICE}", pageId: "${P2}") { profile { firstName } } }`,
    };
    for (const [field, operation] of Object.entries(operations)) {
      const res = await stack.query(operation, undefined, as('agent-a'));
      expect(codesByPath(res)).toEqual({ [field]: 'FORBIDDEN' });
      expect(res.body.data).toBeNull();
    }
    expect(stack.emulator.requests).toHaveLength(0);
  });

  it('answers the same for a Page the gateway does not serve, so the answer does not tell which Pages exist', async () => {
    const served = await stack.query(`{ user(psid: "${ALICE}", pageId: "${P2}") { psid } }`, undefined, as('agent-a'));
    const unserved = await stack.query(`{ user(psid: "${ALICE}", pageId: "${P3}") { psid } }`, undefined, as('agent-a'));
    expect(unserved.body).toEqual(served.body);
    expect(served.body.errors?.[0]).toMatchObject({ message: 'This caller may not read this Page.', extensions: { code: 'FORBIDDEN', argument: 'pageId' } });
  });

  it('without pageId: its only Page; BAD_USER_INPUT with several; FORBIDDEN with none', async () => {
    const only = await stack.query(`{ user(psid: "${PETER}") { profile { firstName } } }`, undefined, as('agent-a'));
    expect(only.body).toEqual({ data: { user: { profile: { firstName: 'Peter' } } } });
    const several = await stack.query(`{ user(psid: "${PETER}") { psid } }`, undefined, as('agent-ab'));
    expect(codesByPath(several)).toEqual({ user: 'BAD_USER_INPUT' });
    const none = await stack.query(`{ pageStatus { pageId } }`, undefined, as('nobody'));
    expect(codesByPath(none)).toEqual({ pageStatus: 'FORBIDDEN' });
  });

  it('a caller with several Pages reads each; a caller without `pages` reads every Page as before', async () => {
    for (const caller of ['agent-ab', 'server']) {
      const res = await stack.query(
        `{ a: user(psid: "${PETER}", pageId: "${P1}") { profile { firstName } } b: user(psid: "${ALICE}", pageId: "${P2}") { profile { firstName } } }`,
        undefined,
        as(caller),
      );
      expect(res.body).toEqual({ data: { a: { profile: { firstName: 'Peter' } }, b: { profile: { firstName: 'Alice' } } } });
    }
  });
});
