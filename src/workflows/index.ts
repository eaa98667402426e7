// The workflow bundle's entry point: every workflow the worker registers.
export { eventWorkflow } from './event-workflow.js';
export { dispatcherWorkflow } from './dispatcher-workflow.js';
export { fanoutWorkflow } from './fanout-workflow.js';
export { redeliveryWorkflow } from './redelivery-workflow.js';
export { recoverWorkflow } from './recover-workflow.js';
export { autoDisableWorkflow, retentionWorkflow, secretExpiryWorkflow } from './maintenance-workflows.js';
