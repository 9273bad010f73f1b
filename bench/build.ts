import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './targets.js';

/** Compiles the given TypeScript projects (e.g. tsconfig.build.json → dist/) side by side. */
export async function build(projects: readonly string[]): Promise<void> {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await Promise.all(
    projects.map(
      (project) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [tsc, '-p', join(ROOT, project)], { stdio: 'inherit' });
          child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc -p ${project} failed (${code})`))));
        }),
    ),
  );
}
