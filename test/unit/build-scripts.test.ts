import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const json = (path: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8')) as Record<string, Record<string, unknown>>;

// Building for real takes half a minute on this machine; what makes `npm start` skip an up-to-date
// build is the scripts' and the compiler's configuration, which this pins.
describe('npm start rebuilds only what changed', () => {
  const { scripts } = json('package.json');
  const build = json('tsconfig.build.json').compilerOptions!;

  it('keeps the start command the docs give: build, then run dist/', () => {
    expect(scripts!.start).toBe('npm run build && node dist/main.js');
    expect(scripts!.build).toBe('npm run build:server && npm run build:explorer');
  });

  it('compiles the server in build mode, which skips a project whose outputs are newer than its inputs, and never wipes dist/', () => {
    expect(scripts!['build:server']).toBe('tsc -b tsconfig.build.json');
    expect(build).toMatchObject({ incremental: true, outDir: 'dist' });
    // Inside dist/: deleting dist/ deletes the record too, so the next build is a full one.
    expect(build.tsBuildInfoFile).toBe('dist/.tsbuildinfo');
  });
});
