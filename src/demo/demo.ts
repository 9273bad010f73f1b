import { join } from 'node:path';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../observability/logger.js';
import { signBody } from '../webhook/signature.js';
import { DEMO_INSTAGRAM_ACCOUNT_ID, DEMO_PAGE_ID, DEMO_PAGE_TOKEN, DEMO_PSIDS } from './emulator/data.js';
import { GraphEmulator } from './emulator/server.js';

/** Not secrets: they only connect the gateway to its own emulator and webhook in demo mode. */
const DEMO_APP_SECRET = 'demo-app-secret';
const DEMO_VERIFY_TOKEN = 'demo-verify-token';
/** Signs demo avatar URLs, the same across restarts so that kept URLs still load. */
const DEMO_AVATAR_SIGNING_KEY = 'demo-avatar-signing-key-not-a-secret-0000';

/** Ad referral of the 2016 User Profile doc's example, with a fixed time so restarts change nothing. */
const SAMPLE_DELIVERY = {
  object: 'page',
  entry: [
    {
      id: DEMO_PAGE_ID,
      time: 1458692752478,
      messaging: [
        {
          sender: { id: DEMO_PSIDS.peter },
          recipient: { id: DEMO_PAGE_ID },
          timestamp: 1458692752478,
          referral: { source: 'ADS', type: 'OPEN_THREAD', ad_id: '6045246247433', ref: 'demo' },
        },
      ],
    },
  ],
};

export interface Demo {
  readonly config: GatewayConfig;
  readonly emulator: GraphEmulator;
  /** A PSID to try first, for the start-up message. */
  readonly samplePsid: string;
  /** Delivers the sample referral webhook to the running gateway. */
  deliverSampleReferral(webhookUrl: string): Promise<void>;
}

/**
 * Demo mode: the built-in Graph API emulator (with "Require App Secret" on, as production apps
 * should be) and webhook capture, so every field of the headline query has an answer. main.ts loads
 * this module with a dynamic import, only in demo mode: production never loads the emulator.
 */
export async function startDemo(config: GatewayConfig, logger: Logger): Promise<Demo> {
  // The emulator draws the profile pictures itself: the demo shows avatars without any network.
  const emulator = await GraphEmulator.start({ host: '127.0.0.1', port: 0, appSecret: DEMO_APP_SECRET, servePictures: true });
  return {
    emulator,
    samplePsid: DEMO_PSIDS.peter,
    config: {
      ...config,
      graphApiUrl: emulator.url,
      pageAccessToken: DEMO_PAGE_TOKEN,
      appSecret: DEMO_APP_SECRET,
      pageId: DEMO_PAGE_ID,
      instagramAccountId: DEMO_INSTAGRAM_ACCOUNT_ID,
      webhookVerifyToken: config.webhookVerifyToken ?? DEMO_VERIFY_TOKEN,
      dataDir: join(config.dataDir, 'demo'),
      avatarSigningKeys: config.avatarSigningKeys.length > 0 ? config.avatarSigningKeys : [DEMO_AVATAR_SIGNING_KEY],
      avatarHosts: [new URL(emulator.url).host],
    },
    async deliverSampleReferral(webhookUrl) {
      const body = JSON.stringify(SAMPLE_DELIVERY);
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, DEMO_APP_SECRET) },
        body,
      });
      if (!response.ok) logger.warn({ status: response.status }, 'Demo referral delivery failed');
    },
  };
}
