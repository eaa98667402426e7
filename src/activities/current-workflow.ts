import { Context } from '@temporalio/activity';

/** The workflow execution running the current activity (Hookflow's activities always run inside one). */
export function currentWorkflowExecution(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('Hookflow activities must run inside a workflow');
  return execution;
}
