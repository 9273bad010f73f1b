import { readdirSync, readFileSync } from 'node:fs';

// src/graphql/ and dist/graphql/ both sit two levels below the package root, which holds schema/.
const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** The SDL of every schema/*.graphql file, in name order. */
export function loadTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(new URL(name, SCHEMA_DIR), 'utf8'));
}
