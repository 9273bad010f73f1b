import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [
      // graphql 16 has no "exports": Node (and so Apollo Server) loads its CommonJS build, while Vite
      // would pick the "module" build for our sources. Two copies break `instanceof GraphQLError`;
      // this makes tests load the one copy production loads.
      { find: /^graphql$/, replacement: require.resolve('graphql') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own emulator and gateway on port 0; files run in parallel processes.
    pool: 'forks',
  },
});
