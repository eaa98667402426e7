// The workflow bundle's entry point: every workflow the worker registers.
export { eventWorkflow } from './event-workflow.js';
