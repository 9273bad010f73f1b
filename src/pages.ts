import { configuredPages, type GatewayConfig, type PageConfig } from './config.js';
import { badUserInput } from './errors.js';
import { GraphClient, type UpstreamExchange } from './upstream/client.js';
import type { FetchProfiles } from './upstream/profiles.js';
import { ResilientUpstream } from './upstream/resilience.js';

/** What the gateway composes around every Page's Graph API access. */
export interface PageLayers {
  /** Sees every HTTP exchange with the Graph API (metrics, per-operation accounting). */
  readonly onExchange?: (exchange: UpstreamExchange) => void;
  /** Wraps each Page's resilient lookups (metrics, cache); a cache also offers a forced refresh. */
  readonly wrapFetch?: (fetch: FetchProfiles, page: PageConfig) => { fetch: FetchProfiles; refresh?: (psid: string) => Promise<void> };
}

/** A Page's own access to the Graph API: its token, and its own throttle, breaker and memory. */
export interface PageRuntime {
  readonly id: string | undefined;
  readonly appSecret: string | undefined;
  readonly upstream: ResilientUpstream;
  readonly client: GraphClient;
  /** The Page's lookups with every layer applied: what loaders call. */
  readonly fetch: FetchProfiles;
  /** Makes the user's cached profile stale everywhere, so the next read asks the Graph API. */
  refresh(psid: string): Promise<void>;
}

/**
 * The Pages the gateway serves. PSIDs are page-scoped, so everything learnt from the Graph API is
 * kept per Page.
 */
export class Pages {
  readonly all: readonly PageRuntime[];
  /** The Page of `user`/`users` without a pageId: PAGE_ID's, or the only one. */
  readonly default: PageRuntime | undefined;
  private readonly byId = new Map<string, PageRuntime>();

  constructor(config: GatewayConfig, layers: PageLayers = {}) {
    this.all = configuredPages(config).map((page) => runtime(page, config, layers));
    if (this.all.length === 0) throw new TypeError('Pages needs at least one configured Page');
    for (const page of this.all) if (page.id) this.byId.set(page.id, page);
    this.default = config.pageAccessToken ? this.all[0] : this.all.length === 1 ? this.all[0] : undefined;
  }

  /** The Page an operation names, or the default one; BAD_USER_INPUT for an unknown Page. */
  get(pageId: string | null | undefined): PageRuntime {
    if (pageId === null || pageId === undefined) {
      if (this.default) return this.default;
      throw badUserInput('pageId is required: several Pages are configured.', { argument: 'pageId' });
    }
    const page = this.byId.get(pageId);
    if (!page) throw badUserInput('Unknown pageId: the gateway is not configured for this Page.', { argument: 'pageId' });
    return page;
  }

  /** The app secret that signs the Page's webhook deliveries. */
  appSecretOf(pageId: string): string | undefined {
    return this.byId.get(pageId)?.appSecret;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((page) => page.client.close()));
  }
}

function runtime(page: PageConfig, config: GatewayConfig, layers: PageLayers): PageRuntime {
  const client = new GraphClient({
    baseUrl: config.graphApiUrl,
    version: config.graphApiVersion,
    accessToken: page.token,
    appSecret: page.appSecret,
    timeoutMs: config.upstreamTimeoutMs,
    maxResponseBytes: config.upstreamMaxResponseBytes,
    connections: config.upstreamConnections,
    onExchange: layers.onExchange,
  });
  const upstream = new ResilientUpstream(client, config);
  const { fetch, refresh = async () => {} } = layers.wrapFetch?.(upstream.fetch, page) ?? { fetch: upstream.fetch };
  return { id: page.id, appSecret: page.appSecret, client, upstream, fetch, refresh };
}
