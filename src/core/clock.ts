/**
 * Milliseconds since the epoch. Every rule that expires something (throttle, breaker, capability
 * memory, cache freshness) reads one of these, so tests move time instead of sleeping.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
