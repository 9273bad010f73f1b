import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { GatewayConfig } from './config.js';

export type Logger = PinoLogger;

/** Keys whose values never reach a log line, wherever they appear (two levels deep). */
export const REDACTED_KEYS = ['access_token', 'appsecret_proof', 'authorization', 'pageAccessToken', 'appSecret', 'redisUrl'];

/** A JSON logger to stdout, or to `destination` when given (tests read what was logged). */
export function createLogger(config: Pick<GatewayConfig, 'logLevel' | 'nodeEnv'>, destination?: DestinationStream): Logger {
  const pretty = !destination && config.nodeEnv === 'development' && process.stdout.isTTY;
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]), censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
