/** The BGP-4 message codec: pure functions over bytes, no I/O. */
export * from './constants.js';
export * from './notification-codes.js';
export { BgpError } from './error.js';
export * from './context.js';
export * from './nlri.js';
export * from './attributes/index.js';
export * from './capability-types.js';
export { decodeCapability, capabilityCode } from './capabilities.js';
export * from './open.js';
export * from './notification.js';
export * from './route-refresh.js';
export * from './update-types.js';
export { decodeUpdate } from './update-decode.js';
export * from './update-encode.js';
export * from './as4.js';
export * from './framer.js';
export * from './message.js';
export * from './format.js';
