import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from './observability/logger.js';

export interface ReloadOptions<T> {
  /** What is reloaded, for log lines, e.g. "Pages and callers". */
  readonly what: string;
  /** Files whose change starts a reload (each file's directory is watched: a mounted secret is swapped by a rename). */
  readonly files: readonly string[];
  /** Reads and validates the new value; throws an error whose message names what is wrong (and never quotes a secret). */
  readonly load: () => T;
  /** Puts a valid new value in place, for operations that start afterwards. */
  readonly apply: (value: T) => void;
  readonly logger: Logger;
  /** Also reloads on this signal. @default SIGHUP */
  readonly signal?: NodeJS.Signals | undefined;
  /** Changes closer together than this make one reload (editors and secret mounts write in steps). @default 100 */
  readonly debounceMs?: number;
}

export interface Reloader {
  /** Reloads now: true when a valid new value was applied, false when it was refused or nothing changed. */
  reload(): boolean;
  close(): void;
}

/**
 * Watch files + a signal, validate, swap: the one way a running gateway takes new configuration.
 * An invalid new value is refused with an error line naming what is wrong, and the running one
 * stays. A change that leaves the files' contents as they were is no reload.
 */
export function watchReload<T>(options: ReloadOptions<T>): Reloader {
  const { logger, what } = options;
  const signal = options.signal ?? 'SIGHUP';
  let applied: string | undefined = fingerprint(options.files);
  const reload = (): boolean => {
    const now = fingerprint(options.files);
    if (now === applied) return false;
    let value: T;
    try {
      value = options.load();
    } catch (error) {
      logger.error({ reason: error instanceof Error ? error.message : String(error) }, `${what}: new configuration refused; the running one stays`);
      // Refused contents are not retried until they change again.
      applied = now;
      return false;
    }
    options.apply(value);
    applied = now;
    logger.info({ files: options.files.length }, `${what}: new configuration applied`);
    return true;
  };

  let timer: NodeJS.Timeout | undefined;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, options.debounceMs ?? 100);
    timer.unref();
  };
  const watched = new Set(options.files.map((file) => basename(file)));
  const watchers: FSWatcher[] = [...new Set(options.files.map((file) => dirname(file)))].map((dir) =>
    // Kubernetes swaps a mounted secret by renaming its `..data` link: any entry of the folder may be the change.
    watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || watched.has(name) || name.startsWith('..')) soon();
    }),
  );
  // A SIGHUP always re-reads (the operator asked), even when the contents look unchanged.
  const onSignal = () => {
    applied = undefined;
    reload();
  };
  process.on(signal, onSignal);
  return {
    reload,
    close: () => {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      process.off(signal, onSignal);
    },
  };
}

/** A digest of the files' contents (unreadable ones included as such), to tell a real change from a touch. */
function fingerprint(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('\0unreadable');
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}
