import { fetchProcessor } from './fetch.js';
import { passthroughProcessor } from './passthrough.js';
import { ProcessingRejected, type Processor } from './processor.js';

const processors: Record<string, Processor> = {
  [passthroughProcessor.name]: passthroughProcessor,
  [fetchProcessor.name]: fetchProcessor,
};

/** Looks a processor up by name; an unknown name is a configuration error, not worth retrying. */
export function processorNamed(name: string): Processor {
  const processor = processors[name];
  if (!processor) throw new ProcessingRejected(`unknown processor "${name}"`);
  return processor;
}
