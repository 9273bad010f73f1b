import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

const ROOT = join(import.meta.dirname, '..');
const NAME = /^[A-Z][A-Z0-9_]+$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every environment variable src/ reads, found in the source rather than listed by hand:
 * `process.env.NAME`, `env.NAME` or `env['NAME']` anywhere, and every quoted upper-case name in
 * src/config.ts, the config reader (its readers take names as arguments: `integer(env, 'PORT', …)`).
 */
function variablesInSource(): Set<string> {
  const found = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const [, name] of text.matchAll(/\b(?:process\.)?env(?:\.|\[\s*['"`])([A-Z][A-Z0-9_]+)/g)) found.add(name!);
    if (file.endsWith(join('src', 'config.ts'))) {
      for (const [, name] of text.matchAll(/['"`]([A-Z][A-Z0-9_]+)['"`]/g)) found.add(name!);
    }
  }
  return found;
}

/** What loadConfig actually looks up, with tracing on so the OTEL_* reads happen too. */
function variablesLoadConfigReads(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy<Record<string, string | undefined>>(
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' },
    {
      get(target, key) {
        if (typeof key === 'string' && NAME.test(key)) read.add(key);
        return typeof key === 'string' ? target[key] : undefined;
      },
    },
  );
  loadConfig(env);
  return read;
}

const inSource = variablesInSource();
const reference = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
const inExample = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map(([, name]) => name!));

describe('configuration reference', () => {
  it('finds every variable loadConfig reads by scanning the source', () => {
    const read = variablesLoadConfigReads();
    expect(read.size).toBeGreaterThan(60);
    expect([...read].filter((name) => !inSource.has(name))).toEqual([]);
  });

  it('documents every variable the code reads in docs/configuration.md', () => {
    expect([...inSource].filter((name) => !reference.includes(`\`${name}\``))).toEqual([]);
  });

  it('lists every variable the code reads in .env.example', () => {
    expect([...inSource].filter((name) => !inExample.has(name))).toEqual([]);
  });

  it('lists in .env.example only variables the code reads', () => {
    expect([...inExample].filter((name) => !inSource.has(name))).toEqual([]);
  });
});
