/**
 * A globally unique, stable, opaque object id (`MessengerUser.id`, …): base64url of
 * `<type>:<page>:<user id>`, so client caches (Apollo Client, urql Graphcache, Relay) normalize
 * with no configuration and two Pages' PSIDs (page-scoped, so they may repeat) never collide.
 * The single-token Page without PAGE_ID is `_`. Clients must not parse it.
 */
export function globalId(type: string, pageId: string | undefined, userId: string): string {
  return Buffer.from(`${type}:${pageId ?? '_'}:${userId}`, 'utf8').toString('base64url');
}
