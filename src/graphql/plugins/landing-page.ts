import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

// Apollo's page shows this block only when Sandbox could not load from Apollo's CDN (offline).
const FALLBACK = '<div class="fallback">';

/**
 * Apollo's landing page (Sandbox, loaded from Apollo's CDN) with a way out when it cannot load:
 * its "you might be offline" fallback gets a link to the gateway's built-in explorer, which needs
 * no network. Apollo offers no option for this, so the link is put into the page's HTML; should a
 * later Apollo version drop that block, the link goes at the end of the page instead.
 */
export function withExplorerLink<TContext extends BaseContext>(landingPage: ApolloServerPlugin<TContext>, explorerPath: string): ApolloServerPlugin<TContext> {
  const addLink = (html: string) => {
    // Sandbox's container covers the whole page, fallback included, even when nothing loaded into
    // it: let clicks through while it is empty. The page's CSP admits styles by its nonce only.
    const nonce = /<style nonce="?([\w+/=-]+)"?>/.exec(html)?.[1];
    const style = nonce ? `<style nonce="${nonce}">#embeddableSandbox:empty { pointer-events: none; }</style>` : '';
    const link = `${style}<p id="offline-explorer">The gateway's built-in explorer needs no network: <a href="${explorerPath}">open ${explorerPath}</a>.</p>`;
    // At the end of the fallback block, after Apollo's "you might be offline".
    const end = html.indexOf('</div>', html.indexOf(FALLBACK));
    return html.includes(FALLBACK) && end >= 0 ? `${html.slice(0, end)}  ${link}\n${html.slice(end)}` : html.replace('</body>', `${link}</body>`);
  };
  return {
    async serverWillStart(service) {
      const listener = await landingPage.serverWillStart?.(service);
      const render = listener?.renderLandingPage?.bind(listener);
      if (!listener || !render) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const { html } = await render();
          return { html: async () => addLink(typeof html === 'string' ? html : await html()) };
        },
      };
    },
  };
}
