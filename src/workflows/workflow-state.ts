import { patched, upsertSearchAttributes } from '@temporalio/workflow';
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
 * The event-level status from its lanes and its finished fan-out children (docs/architecture.md, "Search attributes"):
 * `dead_lettered` while some lane is, `delivering` while any lane or child runs, then
 * `delivered` when every lane was (or was cancelled by its transformation), else `discarded`.
 */
export function statusOfLanes(
  lanes: LaneState[],
  children: { status: WorkflowStatus }[],
  childrenRunning: number,
): WorkflowStatus {
  const statuses = [...lanes.map((lane) => lane.status), ...children.map((child) => child.status)];
  if (statuses.includes('dead_lettered')) return 'dead_lettered';
  if (childrenRunning > 0 || lanes.some((lane) => !lane.settled)) return 'delivering';
  // A lane its subscription's transformation cancelled went where it was meant to: nowhere.
  return statuses.every((status) => status === 'delivered' || status === 'cancelled') ? 'delivered' : 'discarded';
}

/**
 * The patch that made search-attribute upserts follow workflow state only (docs/deployment.md).
 * Runs started before it coalesced upserts per activation; they replay that way until
 * `deprecatePatch` once no such run can be open (the dead-letter replay window after the deploy).
 */
export const STATE_CHANGE_UPSERTS_PATCH = 'search-attributes-on-state-change';

/**
 * Keeps a workflow's `state` and its search attributes in step. An upsert is a command, so it may
 * depend only on the workflow's state, never on how many things resolved in one activation (local
 * activities resolve in more activations live than on replay). Attributes are upserted when the
 * workflow is routed or identified, when a status is set, and when its lanes change the event's
 * status or the dead-lettered set: on the happy path one upsert after routing, one at completion.
 */
export class StatePublisher {
  private readonly published = new Map<string, string>();
  private readonly pending = new Map<string, SearchAttributeUpdatePair>();
  /** Runs started before the patch: coalesce per activation, as they did when their history was written. */
  private readonly perActivation: boolean;
  private flushQueued = false;

  constructor(readonly state: WorkflowState) {
    this.perActivation = !patched(STATE_CHANGE_UPSERTS_PATCH);
  }

  /**
   * Sets the workflow's identifying attributes (built by `searchAttributesOf`). With `now`, at once;
   * otherwise with the next status the workflow publishes (routing, or how it ended early).
   */
  identify(pairs: SearchAttributePair[], now = false): void {
    this.stage(pairs);
    if (now || this.perActivation) this.flush();
  }

  /** Records the subscriptions an event was routed to: it is delivering from here on. */
  routed(subscriptionIds: string[]): void {
    if (!this.perActivation) this.state.status = 'delivering';
    this.stage([
      ...searchAttributesOf.routed(subscriptionIds),
      ...(this.perActivation ? [] : [{ key: searchAttributes.status, value: this.state.status }]),
    ]);
    this.flush();
  }

  /** Sets a status that does not come from lanes (processing, dead-lettered processing, duplicate, skipped…). */
  setStatus(status: WorkflowStatus): void {
    this.state.status = status;
    this.stage([{ key: searchAttributes.status, value: status }]);
    this.flush();
  }

  /** Shows started lanes in the `state` query before any of them changes (a state change only, no upsert). */
  showLanes(lanes: LaneState[]): void {
    this.state.lanes = lanes;
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
    const held = lanes.filter((lane) => lane.heldBy !== undefined).map((lane) => lane.subscriptionId);
    // An empty list unsets the attribute, so `HookflowDeadLettered = "sub_…"` stops matching (the
    // same for HookflowPaused, which runs that never held a lane never set).
    const list = (ids: string[]) => (ids.length ? fitKeywordList([...new Set(ids)]) : null);
    const pairs: SearchAttributeUpdatePair[] = [
      { key: searchAttributes.status, value: this.state.status },
      { key: searchAttributes.attempts, value: this.state.attempts },
      { key: searchAttributes.deadLettered, value: list(deadLettered) },
      { key: searchAttributes.paused, value: list(held) },
    ];
    if (this.perActivation) {
      this.stage(pairs);
      this.flush();
      return;
    }
    // Attempts ride along; they alone (a lane settling while others still run) are no reason to upsert.
    const [status, , deadLetteredPair, heldPair] = pairs;
    if (!this.differs(status!) && !this.differs(deadLetteredPair!) && !this.differs(heldPair!)) return;
    this.stage(pairs);
    this.flush();
  }

  private stage(pairs: SearchAttributeUpdatePair[]): void {
    for (const pair of pairs) this.pending.set(pair.key.name, pair);
  }

  /** Whether a value differs from what was last upserted (an attribute never set needs no unsetting). */
  private differs(pair: SearchAttributeUpdatePair): boolean {
    const last = this.published.get(pair.key.name);
    return last === undefined ? pair.value !== null : last !== JSON.stringify(pair.value);
  }

  /** Upserts what changed: now, or (runs before the patch) once at the end of the activation. */
  private flush(): void {
    if (!this.perActivation) return this.upsertPending();
    if (this.flushQueued) return;
    this.flushQueued = true;
    void Promise.resolve().then(() => {
      this.flushQueued = false;
      this.upsertPending();
    });
  }

  private upsertPending(): void {
    const changed = [...this.pending.values()].filter((pair) => this.differs(pair));
    this.pending.clear();
    for (const pair of changed) this.published.set(pair.key.name, JSON.stringify(pair.value));
    if (changed.length > 0) upsertSearchAttributes(changed);
  }
}
