import { upsertSearchAttributes } from '@temporalio/workflow';
import {
  fitKeywordList,
  searchAttributes,
  searchAttributesOf,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from '../domain/search-attributes.js';
import type { WorkflowStatus } from '../domain/vocabulary.js';
import type { LaneState, WorkflowState } from '../domain/workflow-io.js';

/** A fresh `state` for a workflow that begins in `status`. */
export function initialState(status: WorkflowStatus): WorkflowState {
  return { status, attempts: 0, lastError: null, deadLetterId: null, replayCount: 0, lanes: [], fanoutWorkflowIds: [] };
}

/**
 * The event-level status from its lanes and its finished fan-out children (SPEC §5.4):
 * `dead_lettered` while some lane is, `delivering` while any lane or child runs, then
 * `delivered` when every lane was, else `discarded`.
 */
export function statusOfLanes(
  lanes: LaneState[],
  children: { status: WorkflowStatus }[],
  childrenRunning: number,
): WorkflowStatus {
  const statuses = [...lanes.map((lane) => lane.status), ...children.map((child) => child.status)];
  if (statuses.includes('dead_lettered')) return 'dead_lettered';
  if (childrenRunning > 0 || lanes.some((lane) => !lane.settled)) return 'delivering';
  return statuses.every((status) => status === 'delivered') ? 'delivered' : 'discarded';
}

/**
 * Keeps a workflow's `state` and its search attributes in step, upserting only values that
 * changed: search attributes follow state changes, never individual attempts.
 */
export class StatePublisher {
  private readonly published = new Map<string, string>();
  private readonly pending = new Map<string, SearchAttributeUpdatePair>();
  private flushQueued = false;

  constructor(readonly state: WorkflowState) {}

  /** Sets the workflow's identifying attributes (built by `searchAttributesOf`); in the first workflow task. */
  identify(pairs: SearchAttributePair[]): void {
    this.upsertChanged(pairs);
  }

  /** Records the subscriptions an event was routed to. */
  routed(subscriptionIds: string[]): void {
    this.upsertChanged(searchAttributesOf.routed(subscriptionIds));
  }

  /** Sets a status that does not come from lanes (processing, dead-lettered processing, duplicate, skipped…). */
  setStatus(status: WorkflowStatus): void {
    this.state.status = status;
    this.upsertChanged([{ key: searchAttributes.status, value: status }]);
  }

  /** Recomputes status, attempts and dead-lettered subscriptions from the lanes (and finished children). */
  refreshFromLanes(lanes: LaneState[], children: WorkflowState[] = [], childrenRunning = 0): void {
    this.state.lanes = lanes;
    this.state.status = statusOfLanes(lanes, children, childrenRunning);
    this.state.attempts = [...lanes.filter((lane) => lane.settled), ...children].reduce(
      (sum, item) => sum + item.attempts,
      0,
    );
    const deadLettered = lanes.filter((lane) => lane.status === 'dead_lettered').map((lane) => lane.subscriptionId);
    this.upsertChanged([
      { key: searchAttributes.status, value: this.state.status },
      { key: searchAttributes.attempts, value: this.state.attempts },
      // An empty list unsets the attribute, so `HookflowDeadLettered = "sub_…"` stops matching.
      {
        key: searchAttributes.deadLettered,
        value: deadLettered.length ? fitKeywordList([...new Set(deadLettered)]) : null,
      },
    ]);
  }

  /**
   * Queues the values that differ from what was last upserted, and upserts them once at the end
   * of the current activation (a microtask): several lanes settling together cost one history event.
   */
  private upsertChanged(pairs: SearchAttributeUpdatePair[]): void {
    for (const pair of pairs) this.pending.set(pair.key.name, pair);
    if (this.flushQueued) return;
    this.flushQueued = true;
    void Promise.resolve().then(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    const changed = [...this.pending.values()].filter((pair) => {
      const value = JSON.stringify(pair.value);
      if (this.published.get(pair.key.name) === value) return false;
      // An attribute that was never set needs no unsetting.
      if (!this.published.has(pair.key.name) && pair.value === null) return false;
      this.published.set(pair.key.name, value);
      return true;
    });
    this.pending.clear();
    if (changed.length > 0) upsertSearchAttributes(changed);
  }
}
