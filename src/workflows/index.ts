// The workflow bundle's entry point: every workflow the worker registers.
export { deliveryWorkflow } from './delivery-workflow.js';
export { eventWorkflow } from './event-workflow.js';
export { autoDisableWorkflow, retentionWorkflow, secretExpiryWorkflow } from '../maintenance/workflows.js';
