import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ReplayRequest, WorkflowState } from './types.js';

/** Operator signals, shared by workflows and clients (`temporal workflow signal --name replay` works too). */
export const replaySignal = defineSignal<[ReplayRequest?]>('replay');
export const discardSignal = defineSignal<[ReplayRequest?]>('discard');
export const stateQuery = defineQuery<WorkflowState>('state');
