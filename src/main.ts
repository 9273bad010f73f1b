import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { startGateway, type Gateway } from './gateway.js';
import { createLogger, flushLogs } from './observability/logger.js';

/** Added to SHUTDOWN_GRACE_MS (after which the drain closes connections) before the process exits anyway. */
const SHUTDOWN_MARGIN_MS = 5_000;
/** Longest an exit waits for buffered log lines to be written (a gone or stuck reader drops them). */
const LOG_FLUSH_MS = 1_000;

/** Exits once the logs are written, or LOG_FLUSH_MS has passed. */
const exit = (code: number) => void flushLogs(LOG_FLUSH_MS).then(() => process.exit(code));

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  // Through the logger, whose output is scrubbed of configured secrets, never a raw stack on stderr.
  const crash = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, kind);
    exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));

  const demoMode = !config.pageAccessToken && config.extraPages.length === 0;
  if (demoMode && config.nodeEnv === 'production') {
    logger.fatal('PAGE_ACCESS_TOKEN (or PAGES) is required when NODE_ENV=production (demo mode is for development only)');
    return exit(1);
  }
  // Loaded only here, by a dynamic import: a gateway with a token never loads the emulator.
  const demo = demoMode ? await (await import('./demo/demo.js')).startDemo(config, logger) : undefined;
  if (demo) {
    config = demo.config;
    logger.info(
      { emulator: demo.emulator.url },
      `Demo mode: no PAGE_ACCESS_TOKEN or PAGES set, so answers come from the built-in Graph API emulator at ${demo.emulator.url} (try PSID ${demo.samplePsid})`,
    );
  }
  const emulator = demo?.emulator;

  let gateway: Gateway;
  try {
    // Outside demo mode, PAGES_FILE, GATEWAY_CALLERS_FILE and PAGE_ACCESS_TOKEN_FILE are re-read on SIGHUP and on change.
    gateway = await startGateway(config, logger, demo ? {} : { reloadConfig: () => loadConfig() });
  } catch (error) {
    logger.fatal({ err: error }, 'Gateway failed to start');
    return exit(1);
  }
  await demo?.deliverSampleReferral(gateway.webhookUrl);
  const local = config.host === '127.0.0.1' || config.host === '0.0.0.0' || config.host === '::';
  const shown = (url: string) => (local ? `http://localhost:${gateway.port}${new URL(url).pathname}` : url);
  logger.info(
    { url: gateway.url, graphApiVersion: config.graphApiVersion, upstream: emulator ? 'emulator' : config.graphApiUrl },
    config.nodeEnv === 'production'
      ? `Gateway ready at ${shown(gateway.url)}`
      : `Gateway ready at ${shown(gateway.url)} (open it in a browser for Apollo Sandbox)`,
  );
  if (gateway.explorerUrl) {
    logger.info({ url: gateway.explorerUrl }, `Offline, or no Apollo Sandbox? The built-in explorer needs no network: ${shown(gateway.explorerUrl)}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Shutting down');
    setTimeout(() => {
      logger.error('Shutdown took too long; exiting');
      exit(1);
    }, config.shutdownGraceMs + SHUTDOWN_MARGIN_MS).unref();
    void Promise.allSettled([gateway.close(), emulator?.close()]).then(() => {
      logger.info('Shutdown complete');
      exit(0);
    });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  // Only failures before the logger exists reach this; config errors never echo values.
  process.stderr.write(`Gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
