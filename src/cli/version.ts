export { VERSION } from '../lib/version.js';
