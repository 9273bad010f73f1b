import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';

// Measured on Node 20: a parsed document takes about 4× its JSON form in heap (objects, not
// text), plus the source text it keeps through `loc` (comments included, which JSON omits).
const AST_HEAP_PER_JSON_BYTE = 4;

/**
 * Estimated heap bytes of a parsed document: its AST, and the source text kept by `loc`. Apollo's
 * own measure (JSON length) misses the source, so a document padded with a comment of a megabyte
 * counted as a few hundred bytes.
 */
export function documentHeapBytes(document: DocumentNode): number {
  return AST_HEAP_PER_JSON_BYTE * JSON.stringify(document).length + 2 * (document.loc?.source.body.length ?? 0);
}

/** Apollo's parsed-document cache, bounded by `maxBytes` of estimated heap rather than JSON length. */
export function documentStore(maxBytes: number): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({ maxSize: maxBytes, sizeCalculation: (document) => Math.max(1, documentHeapBytes(document)) });
}
