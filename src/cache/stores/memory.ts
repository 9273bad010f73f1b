import { LRUCache } from 'lru-cache';
import type { EntryStore, Swap } from './entry-store.js';

// Measured on Node 20 (lru-cache 11): besides its key and JSON text, each entry costs about 280
// bytes of heap (string headers, the cache's index, TTL arrays), more than a short entry's text.
const ENTRY_OVERHEAD_BYTES = 300;

/**
 * Entries in this process, least recently used first out once their estimated heap (key, JSON
 * text and per-entry overhead) passes `maxBytes`. Every operation is synchronous underneath, so
 * a swap is atomic without any lock.
 */
export class MemoryStore implements EntryStore {
  private readonly cache: LRUCache<string, string>;

  constructor(maxBytes: number) {
    this.cache = new LRUCache<string, string>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) => key.length + value.length + ENTRY_OVERHEAD_BYTES,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.cache.get(key);
  }

  async swap(key: string, expected: string | undefined, next: string, ttlSeconds: number): Promise<Swap> {
    const current = this.cache.get(key);
    if (current !== expected) return { outcome: 'changed', current };
    this.cache.set(key, next, { ttl: ttlSeconds * 1000 });
    return { outcome: 'swapped' };
  }
}
