/**
 * Jitter without a clock or Math.random: a xorshift32 carried in the
 * session state keeps step() pure and every test replayable.
 */
export function nextRandom(state: number): { state: number; value: number } {
  let x = state | 0 || 0x9e3779b9;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return { state: x >>> 0, value: (x >>> 0) / 4294967296 };
}

/** RFC 4271 §10: ConnectRetry and Keepalive are reduced by a random 0-25%. */
export function jitter(ms: number, random: number): number {
  return Math.round(ms * (0.75 + 0.25 * random));
}

/** RFC 9687 §4: at least 8 minutes, and at least twice the hold time. */
export function sendHoldMs(holdTime: number, configured?: number): number {
  return (configured ?? Math.max(480, 2 * holdTime)) * 1000;
}

/** RFC 4271 §8: before OPEN is received, the hold timer is "a large value" (4 minutes suggested). */
export const OPEN_HOLD_MS = 240_000;
