import type { Logger } from './logger.js';

export interface OutageMessages {
  /** Logged (warn) when the dependency first fails, with the reason. */
  readonly down: string;
  /** Logged (info) when it answers again. */
  readonly up: string;
}

/**
 * The state of a dependency the gateway can live without (Redis): an outage is logged once when
 * it starts and once when it ends, not once per request.
 */
export class OutageLog {
  private available = true;

  constructor(
    private readonly logger: Logger,
    private readonly fields: Readonly<Record<string, string>>,
    private readonly messages: OutageMessages,
  ) {}

  succeeded(): void {
    if (this.available) return;
    this.available = true;
    this.logger.info(this.fields, this.messages.up);
  }

  failed(error: unknown): void {
    if (!this.available) return;
    this.available = false;
    this.logger.warn({ ...this.fields, reason: error instanceof Error ? error.message : String(error) }, this.messages.down);
  }
}
