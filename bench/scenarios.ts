import { generatedIgsid, generatedPsid } from '../src/demo/emulator/data.js';

/** How many of the emulator's generated users the load rotates over. */
const ROTATING_USERS = 300;

export type ScenarioName = 'one-user' | 'twenty-users' | 'hot-cache' | 'instagram-one-user';

export interface Scenario {
  readonly name: ScenarioName;
  readonly description: string;
  /** Users looked up per GraphQL operation. */
  readonly usersPerOperation: number;
  /** Whether the gateway runs with its profile cache on (PROFILE_CACHE_TTL=300) or off (0). */
  readonly cache: boolean;
  /** Request bodies, used round-robin: PSIDs rotate over ROTATING_USERS users. */
  readonly bodies: readonly string[];
  /** Only the gateway runs it (the baselines know no Instagram users). */
  readonly gatewayOnly?: boolean;
  /** Full check of one parsed answer to `bodies[i]`; returns what is wrong, or undefined. */
  check(index: number, answer: unknown): string | undefined;
}

const ONE = 'query($p: ID!){ user(psid: $p) { psid profile { firstName timezone } } }';
const MANY = 'query($p: [ID!]!){ users(psids: $p) { psid profile { firstName timezone } } }';

const psidAt = (i: number) => generatedPsid(i % ROTATING_USERS);

interface UserAnswer {
  psid?: unknown;
  profile?: { firstName?: unknown; timezone?: unknown } | null;
}

function checkUser(user: UserAnswer | undefined, psid: string): string | undefined {
  if (user?.psid !== psid) return `expected psid ${psid}, got ${JSON.stringify(user?.psid)}`;
  if (typeof user.profile?.firstName !== 'string') return `no firstName for ${psid}`;
  if (typeof user.profile.timezone !== 'number') return `no timezone for ${psid}`;
  return undefined;
}

function oneUser(name: ScenarioName, cache: boolean, description: string): Scenario {
  const psids = Array.from({ length: ROTATING_USERS }, (_, i) => psidAt(i));
  return {
    name,
    description,
    usersPerOperation: 1,
    cache,
    bodies: psids.map((p) => JSON.stringify({ query: ONE, variables: { p } })),
    check(index, answer) {
      const body = answer as { data?: { user?: UserAnswer }; errors?: unknown };
      if (body.errors) return `errors: ${JSON.stringify(body.errors)}`;
      return checkUser(body.data?.user, psids[index]!);
    },
  };
}

function twentyUsers(): Scenario {
  // Twenty consecutive users per operation, the window moving by twenty: all distinct in one operation.
  const operations = ROTATING_USERS / 20;
  const groups = Array.from({ length: operations }, (_, op) => Array.from({ length: 20 }, (_, j) => psidAt(op * 20 + j)));
  return {
    name: 'twenty-users',
    description: `users(psids: [20 PSIDs]) { psid profile { firstName timezone } }, cache off`,
    usersPerOperation: 20,
    cache: false,
    bodies: groups.map((p) => JSON.stringify({ query: MANY, variables: { p } })),
    check(index, answer) {
      const body = answer as { data?: { users?: UserAnswer[] }; errors?: unknown };
      if (body.errors) return `errors: ${JSON.stringify(body.errors)}`;
      const users = body.data?.users;
      const psids = groups[index]!;
      if (!Array.isArray(users) || users.length !== psids.length) return `expected ${psids.length} users`;
      for (const [i, psid] of psids.entries()) {
        const problem = checkUser(users[i], psid);
        if (problem) return problem;
      }
      return undefined;
    },
  };
}

const INSTAGRAM_ONE = 'query($i: ID!){ instagramUser(igsid: $i) { igsid profile { name followerCount } } }';

/** The one-user scenario for Instagram users: two fields of one IGSID per operation, cache off. */
function instagramOneUser(): Scenario {
  const igsids = Array.from({ length: ROTATING_USERS }, (_, i) => generatedIgsid(i));
  return {
    name: 'instagram-one-user',
    description: 'instagramUser(igsid) { igsid profile { name followerCount } }, cache off (gateway only)',
    usersPerOperation: 1,
    cache: false,
    gatewayOnly: true,
    bodies: igsids.map((i) => JSON.stringify({ query: INSTAGRAM_ONE, variables: { i } })),
    check(index, answer) {
      const body = answer as { data?: { instagramUser?: { igsid?: unknown; profile?: { name?: unknown; followerCount?: unknown } | null } }; errors?: unknown };
      if (body.errors) return `errors: ${JSON.stringify(body.errors)}`;
      const user = body.data?.instagramUser;
      if (!user || user.igsid !== igsids[index]) return `expected igsid ${igsids[index]}, got ${JSON.stringify(user?.igsid)}`;
      if (typeof user.profile?.name !== 'string' || typeof user.profile.followerCount !== 'number') return `no profile for ${igsids[index]}`;
      return undefined;
    },
  };
}

export const SCENARIOS: readonly Scenario[] = [
  oneUser('one-user', false, 'user(psid) { psid profile { firstName timezone } }, cache off'),
  twentyUsers(),
  oneUser('hot-cache', true, 'one user per operation over the same users, gateway cache on (PROFILE_CACHE_TTL=300)'),
  instagramOneUser(),
];

/**
 * Cheap check of every answer under load (the load generator shares the CPU with the target, so
 * no JSON parsing here): a 200 whose body starts with data and has no errors member.
 */
export function looksGood(status: number, body: string): boolean {
  return status === 200 && body.startsWith('{"data":') && !body.includes('"errors"');
}
