// The gateway's built-in explorer: GraphiQL, bundled by scripts/build-explorer.ts into dist/explorer/
// and served by the gateway itself (src/http/explorer.ts), so it needs no network beyond the gateway.
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import type { ExecutionResult } from 'graphql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './page.css';

const HEADLINE_QUERY = `# The headline query: Peter Chang of the 2016 User Profile doc (demo data).
# Run it with the button or Ctrl-Enter.
# Instagram contacts too, through the same Page (demo data):
#   instagramUser(igsid: "6620000000000001") { profile { name username followerCount } }
{
  user(psid: "1254459154682919") {
    profile {
      firstName
      timezone
      lastAdReferral {
        source
        type
        adId
      }
    }
  }
}
`;

const KEY_HEADERS = `{
  "Authorization": "Bearer <one of the gateway's GATEWAY_API_KEYS>"
}
`;

const root = document.getElementById('explorer');
if (!root) throw new Error('The explorer page has no #explorer element');
const endpoint = root.dataset.endpoint ?? '/graphql';
const keyRequired = root.dataset.keyRequired === 'true';

// Monaco's editor, JSON and GraphQL language services run in workers bundled beside this file.
const workers = new URL('./', import.meta.url);
(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    const name = label === 'json' ? 'json' : label === 'graphql' ? 'graphql' : 'editor';
    return new Worker(new URL(`${name}.worker.js`, workers), { type: 'module' });
  },
};

/** POSTs each operation as JSON (a non-simple request, so Apollo's CSRF prevention lets it in). */
const fetcher: GraphiQLProps['fetcher'] = async (params, options) => {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { ...stringValues(options?.headers), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as ExecutionResult;
  } catch {
    return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 200)}` }] } as unknown as ExecutionResult;
  }
};

/**
 * The browser's localStorage, minus every request's headers: GraphiQL keeps its tabs and query
 * history there with the headers each ran with, and those carry the API key.
 */
const storage: Storage = {
  get length() {
    return localStorage.length;
  },
  key: (index) => localStorage.key(index),
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => {
    if (key.endsWith('headers')) return;
    localStorage.setItem(key, withoutHeaders(value));
  },
  removeItem: (key) => localStorage.removeItem(key),
  clear: () => localStorage.clear(),
};

function withoutHeaders(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value), (key, inner: unknown) => (key === 'headers' ? undefined : inner));
  } catch {
    return value;
  }
}

function stringValues(headers: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

root.replaceChildren();
createRoot(root).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: HEADLINE_QUERY,
    // The API key goes in the headers editor; it is not saved in the browser (shouldPersistHeaders
    // off, and `storage` drops headers from tabs and history).
    defaultHeaders: keyRequired ? KEY_HEADERS : '',
    defaultEditorToolsVisibility: keyRequired ? 'headers' : false,
    shouldPersistHeaders: false,
    // Tabs and history are kept, without headers (nor the key in them).
    storage,
  }),
);
