import { pino, type Logger as PinoLogger } from 'pino';
import type { GatewayConfig } from './config.js';

export type Logger = PinoLogger;

/** Keys whose values never reach a log line, wherever they appear (two levels deep). */
export const REDACTED_KEYS = ['access_token', 'appsecret_proof', 'authorization', 'pageAccessToken', 'appSecret'];

export function createLogger(config: Pick<GatewayConfig, 'logLevel' | 'nodeEnv'>): Logger {
  const pretty = config.nodeEnv === 'development' && process.stdout.isTTY;
  return pino({
    level: config.logLevel,
    redact: { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  });
}
