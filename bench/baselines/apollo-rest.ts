import { readFileSync } from 'node:fs';
import { RESTDataSource, type DataSourceConfig } from '@apollo/datasource-rest';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { announce, readBaselineEnv } from './env.js';

/**
 * What an Apollo user writes first: Apollo Server's standalone server, the same SDL as the gateway,
 * and a RESTDataSource with one GET per user and a fixed field list. No batching; RESTDataSource's
 * per-request deduplication of identical GETs and its HTTP cache (which the Graph API's answers do
 * not enable) are left as they come.
 */
const env = readBaselineEnv();

interface GraphUser {
  readonly first_name?: string;
  readonly timezone?: number;
}

class GraphProfileAPI extends RESTDataSource {
  override baseURL = `${env.graphApiUrl}/${env.graphApiVersion}/`;

  constructor(config: DataSourceConfig) {
    super(config);
  }

  getProfile(psid: string): Promise<GraphUser> {
    return this.get<GraphUser>(encodeURIComponent(psid), {
      params: { fields: 'first_name,timezone', access_token: env.accessToken },
    });
  }
}

interface Context {
  readonly dataSources: { readonly profiles: GraphProfileAPI };
}

const typeDefs = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

const resolvers = {
  Query: {
    user: (_root: unknown, { psid }: { psid: string }) => ({ psid }),
    users: (_root: unknown, { psids }: { psids: string[] }) => psids.map((psid) => ({ psid })),
  },
  MessengerUser: {
    profile: async ({ psid }: { psid: string }, _args: unknown, { dataSources }: Context) => {
      const user = await dataSources.profiles.getProfile(psid);
      return user.first_name === undefined && user.timezone === undefined ? null : user;
    },
  },
  MessengerProfile: {
    firstName: (user: GraphUser) => user.first_name ?? null,
    timezone: (user: GraphUser) => user.timezone ?? null,
  },
};

const server = new ApolloServer<Context>({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: env.port, host: env.host },
  context: async () => ({ dataSources: { profiles: new GraphProfileAPI({ cache: server.cache }) } }),
});
announce(new URL('graphql', url).toString());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
