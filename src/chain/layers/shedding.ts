import type { Clock } from '../../core/clock.js';
import { shed } from '../../core/errors.js';
import type { Caller, LookupLayer } from '../../core/lookup.js';
import type { Throttle } from '../../pages/throttle.js';
import { highestPercent, regainMinutes } from '../../graph-api/usage.js';

/**
 * How long a reading at or past the threshold, without a regain time, sheds bulk lookups (and the
 * retryAfterSeconds they get). Afterwards one bulk batch goes through and brings a fresh reading,
 * so a Page that only bulk callers use is not shed forever on an old figure.
 */
const SHED_HOLD_MS = 30_000;

export interface SheddingOptions {
  /** Reported usage, in percent, from which bulk callers' lookups are refused (BULK_SHED_AT_PERCENT). */
  readonly atPercent: number;
  /** Told how many lookups of a caller were shed. */
  readonly onShed: (caller: Caller, count: number) => void;
}

/**
 * Keeps the rest of a Page's quota for interactive callers: while the Page's latest reported usage
 * (the highest figure of either usage header) is at or past `atPercent`, bulk callers' lookups
 * fail fast with RATE_LIMITED (`scope: "page"`), with no upstream call. Interactive callers go on
 * until the Page is actually throttled (the throttle layer). Below the cache: cache hits and
 * joined lookups are served to everyone.
 */
export function shedding(throttle: Throttle, { atPercent, onShed }: SheddingOptions, clock: Clock): LookupLayer {
  // Private: once a hold has passed on a reading still at or past the threshold, exactly one bulk
  // batch goes (the probe that brings a fresh reading); the others wait for that reading, or for
  // another hold should the probe bring none.
  let probedAt: number | undefined;
  return (next) => (requests, call) => {
    const caller = call.caller;
    if (caller?.priority !== 'bulk') return next(requests, call);
    const at = clock();
    const wait = shedSeconds(throttle, atPercent, at);
    const latest = throttle.latest;
    if (wait === undefined && (!latest || highestPercent(latest) < atPercent)) return next(requests, call);
    if (wait === undefined && (probedAt === undefined || probedAt < latest!.at || at - probedAt >= SHED_HOLD_MS)) {
      probedAt = at;
      return next(requests, call);
    }
    onShed(caller, requests.length);
    const retryAfter = wait ?? 1;
    return Promise.resolve({ results: requests.map(() => shed(retryAfter)) });
  };
}

/** Seconds a bulk caller is told to wait, or undefined when the Page's latest reading lets it go ahead. */
function shedSeconds(throttle: Throttle, atPercent: number, at: number): number | undefined {
  const latest = throttle.latest;
  if (!latest || highestPercent(latest) < atPercent) return undefined;
  const regain = regainMinutes(latest);
  const until = latest.at + (regain > 0 ? regain * 60_000 : SHED_HOLD_MS);
  return until > at ? Math.ceil((until - at) / 1000) : undefined;
}
