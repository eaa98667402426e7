import { startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';
import { discardSignal, replaySignal } from '../domain/signals.js';
import type { LaneEvent, OperatorRequest, RoutedDelivery, WorkflowState } from '../domain/workflow-io.js';
import { fanoutWorkflow } from './fanout-workflow.js';
import type { OperatorDecision } from './operator-mailbox.js';

/** The `fanout:` children of a large event: started, told of operator decisions, and awaited. */
export class FanoutChildren {
  private readonly handles: ChildWorkflowHandle<typeof fanoutWorkflow>[] = [];
  /** The results of the children that have returned, in the order they did. */
  readonly finished: WorkflowState[] = [];
  private readonly finishedIds = new Set<string>();

  constructor(
    private readonly event: LaneEvent,
    private readonly policies: WorkflowPolicies,
    private readonly onChange: (startedWorkflowId?: string) => void,
  ) {}

  /** How many were started and have not returned yet. */
  get runningCount(): number {
    return this.handles.length - this.finished.length;
  }

  /** Ids of the children still running. */
  running(): string[] {
    return this.handles.map((child) => child.workflowId).filter((id) => !this.finishedIds.has(id));
  }

  /**
   * Passes an operator decision on to every child (they hold lanes of their own). A child that has
   * already closed has no lane left to replay, so its refusal of the signal is expected.
   */
  forward(decision: OperatorDecision, request: OperatorRequest): void {
    for (const child of this.handles)
      void child.signal(decision.kind === 'replay' ? replaySignal : discardSignal, request).catch(() => undefined);
  }

  /** Runs one child per group of routes and resolves when each has returned. */
  async run(routes: RoutedDelivery[], traceId: string): Promise<void> {
    const { event } = this;
    await Promise.all(
      groupByWorkflow(routes).map(async ([workflowId, group]) => {
        const child = await startChild(fanoutWorkflow, {
          workflowId,
          args: [{ event, lanes: group, policies: this.policies }],
          memo: { traceId },
          staticSummary: `${event.eventType} from ${event.sourceId} → ${group.length} subscriptions (fan-out part)`,
        });
        this.handles.push(child);
        this.onChange(workflowId);
        this.finished.push(await child.result());
        this.finishedIds.add(workflowId);
        this.onChange();
      }),
    );
  }
}

/** Routes grouped by the workflow that runs them, in routing order. */
function groupByWorkflow(routes: RoutedDelivery[]): [string, RoutedDelivery[]][] {
  const groups = new Map<string, RoutedDelivery[]>();
  for (const route of routes) groups.set(route.workflowId, [...(groups.get(route.workflowId) ?? []), route]);
  return [...groups];
}
