import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { secretsOf, type GatewayConfig, type SecretSetting } from '../config.js';

export type Logger = PinoLogger;

// Private: each logger's list of secrets to scrub, so that secrets loaded later (a rotated token) join it.
const scrubbed = new WeakMap<Logger, string[]>();

/** Adds secrets (a reloaded configuration's) to those scrubbed from every line the logger writes. */
export function scrubMore(logger: Logger, secrets: readonly string[]): void {
  const forms = scrubbed.get(logger);
  if (!forms) return;
  for (const form of scrubForms(secrets)) if (!forms.includes(form)) forms.push(form);
}

/** Keys whose values never reach a log line, wherever they appear (up to three levels deep). */
const REDACTED_KEYS = [
  'access_token',
  'appsecret_proof',
  'authorization',
  'pageAccessToken',
  'appSecret',
  'gatewayApiKeys',
  // Each caller's key.
  'callers',
  'metricsApiKey',
  'extraPages',
  // May carry a password.
  'redisUrl',
];

type LoggerConfig = Pick<GatewayConfig, 'logLevel' | 'nodeEnv'> & Partial<Pick<GatewayConfig, SecretSetting>>;

/**
 * JSON logs (pretty on a terminal in development). Secrets are kept out twice: by key (redaction)
 * and by value (every configured secret is replaced in the written line), so a token that slips
 * into an error message or a URL is still never printed. `destination` defaults to stdout; tests pass a stream to capture lines.
 */
export function createLogger(config: LoggerConfig, destination?: DestinationStream): Logger {
  const prettyOutput = destination === undefined && config.nodeEnv === 'development' && process.stdout.isTTY;
  const out =
    destination ??
    (prettyOutput
      ? pretty({ translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' })
      : bufferedStdout());
  const forms = scrubForms(secretsOf(config));
  const logger = pino(
    {
      level: config.logLevel,
      redact: {
        paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
        censor: '[redacted]',
      },
    },
    scrubbing(out, forms),
  );
  scrubbed.set(logger, forms);
  return logger;
}

function scrubForms(secrets: readonly string[]): string[] {
  return [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]))];
}

// Private: the buffered stdout of this process, once a logger has made it (see flushLogs).
let stdout: ReturnType<typeof pino.destination> | undefined;

/**
 * stdout, written in chunks of about 8 KiB and at least once a second, not a write per line: one
 * write per operation line cost about a quarter of the gateway's throughput (BENCHMARKS.md). pino
 * flushes it when the process exits, crash included; exits go through flushLogs first.
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 8 * 1024 });
  setInterval(() => destination.flush(), 1000).unref();
  stdout = destination;
  return destination;
}

/**
 * Writes what stdout holds, waiting at most `timeoutMs`; what is still unwritten then is dropped.
 * pino's exit flush (sonic-boom's flushSync) retries a failed write forever when stdout's reader
 * is gone (EPIPE) or stuck: a dead log sidecar would make the process unstoppable. Call before
 * every process.exit.
 */
export function flushLogs(timeoutMs: number): Promise<void> {
  const destination = stdout;
  if (!destination) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      // Nothing more is written, so the exit flush has nothing to retry.
      destination.flushSync = () => {};
      // pino's own EPIPE handler runs on the same failure: let it finish before the exit.
      setImmediate(resolve);
    };
    const timer = setTimeout(done, timeoutMs);
    try {
      destination.flush(done);
    } catch {
      done();
    }
  });
}

/** Replaces each secret, raw, JSON-escaped or URL-encoded, in every line before it is written (`forms` may grow). */
function scrubbing(out: DestinationStream, forms: readonly string[]): DestinationStream {
  return {
    write(line: string) {
      let clean = line;
      for (const form of forms) clean = clean.replaceAll(form, '[redacted]');
      out.write(clean);
    },
  };
}
