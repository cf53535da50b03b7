/** BGP sessions: the RFC 4271 FSM as a pure step function, OPEN negotiation, timers. */
export * from './types.js';
export { createSession, step, adminNotification } from './fsm.js';
export { buildOpen, negotiate } from './open.js';
export { jitter, nextRandom, sendHoldMs } from './timers.js';
export { defaultSessionConfig } from './defaults.js';
export { collisionLoser, type Initiator } from './collision.js';
