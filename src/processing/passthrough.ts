import type { Processor } from './processor.js';

/** Delivers the payload exactly as received. */
export const passthroughProcessor: Processor = {
  name: 'passthrough',
  process: async (payload) => payload,
};
