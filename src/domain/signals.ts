import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OperatorRequest, WorkflowState } from './workflow-io.js';

/** Operator signals, shared by workflows and clients (`temporal workflow signal --name replay` works too). */
export const replaySignal = defineSignal<[OperatorRequest?]>('replay');
export const discardSignal = defineSignal<[OperatorRequest?]>('discard');
export const stateQuery = defineQuery<WorkflowState>('state');
