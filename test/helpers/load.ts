/**
 * Volume and duration tests come in two sizes: `npm test` runs a small version of each that proves
 * the same behaviour with the same assertions, `npm run test:load` (HOOKFLOW_LOAD=1) the full one.
 */
export const fullLoad = process.env.HOOKFLOW_LOAD === '1';

/** `small` under `npm test`, `full` under `npm run test:load`. */
export const loadSize = <T>(small: T, full: T): T => (fullLoad ? full : small);
