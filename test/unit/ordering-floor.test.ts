import { describe, expect, it } from 'vitest';
import { orderingKeyHash } from '../../src/delivery/lane-policy.js';
import { acceptanceFloor, type UnroutedEvent } from '../../src/delivery/ordering-floor.js';
import { floorFor } from '../../src/domain/acceptance-order.js';

const at = (second: number) => new Date(Date.UTC(2026, 11, 2, 8, 0, second)).toISOString();
const unrouted = (second: number, extra: Partial<UnroutedEvent> = {}): UnroutedEvent => ({
  receivedAt: at(second),
  eventId: `evt_${second}`,
  sourceId: 'dhl',
  eventType: 'shipment.delivered',
  payload: { orderId: 'o1' },
  headers: {},
  ...extra,
});
const subscription = { id: 'sub_1', eventTypes: ['shipment.*'], sourceIds: ['dhl'], orderingKey: null };

describe('acceptanceFloor', () => {
  it('is the settled point when nothing unrouted would join the queue', () => {
    const floor = acceptanceFloor({ subscription, settledBefore: at(30) }, [{ events: [], complete: true }]);
    expect(floor.receivedAt).toBe(at(30));
    // Every event accepted at that instant is below it.
    expect(floor.eventId > 'evt_zzzzzzzz').toBe(true);
  });

  it('stops at the first unrouted event the subscription would receive, skipping the ones it would not', () => {
    const floor = acceptanceFloor({ subscription, settledBefore: at(30) }, [
      {
        events: [
          unrouted(1, { eventType: 'invoice.paid' }),
          unrouted(2, { sourceId: 'fedex' }),
          unrouted(3),
          unrouted(4),
        ],
        complete: true,
      },
    ]);
    expect(floor).toEqual({ receivedAt: at(3), eventId: 'evt_3' });
  });

  it('takes the earliest over the ledger and the outbox', () => {
    const floor = acceptanceFloor({ subscription, settledBefore: at(30) }, [
      { events: [unrouted(9)], complete: true },
      { events: [unrouted(5)], complete: true },
    ]);
    expect(floor.eventId).toBe('evt_5');
  });

  it('for a per-key queue, only events with the same ordering key hold it', () => {
    const orderingKey = { pointer: '/orderId' };
    const keyHash = orderingKeyHash(orderingKey, { payload: { orderId: 'o2' }, headers: {} });
    const floor = acceptanceFloor({ subscription: { ...subscription, orderingKey }, keyHash, settledBefore: at(30) }, [
      { events: [unrouted(1), unrouted(2, { payload: { orderId: 'o2' } })], complete: true },
    ]);
    expect(floor.eventId).toBe('evt_2');
  });

  it('a batch cut at its limit caps the floor at its last event, since nothing after it was read', () => {
    const floor = acceptanceFloor({ subscription, settledBefore: at(30) }, [
      {
        events: [unrouted(1, { eventType: 'invoice.paid' }), unrouted(2, { eventType: 'invoice.paid' })],
        complete: false,
      },
    ]);
    expect(floor.eventId).toBe('evt_2');
  });
});

describe('floorFor (the dispatcher, given what is still on its way)', () => {
  const delivery = (second: number) => ({
    deliveryId: `dlv_${second}`,
    receivedAt: at(second),
    eventId: `evt_${second}`,
  });
  const unroutedAt7 = { receivedAt: at(7), eventId: 'evt_7' };
  const holdsNone = () => false;

  it('stops at the first routed delivery that has not reached the dispatcher, when it came before the unrouted floor', () => {
    const answer = { unrouted: unroutedAt7, notYetQueued: [delivery(4), delivery(5)], notYetQueuedComplete: true };
    expect(floorFor(answer, holdsNone)).toEqual({ receivedAt: at(4), eventId: 'evt_4' });
    expect(floorFor({ ...answer, notYetQueued: [delivery(8)] }, holdsNone)).toEqual(unroutedAt7);
  });

  it('skips the deliveries the dispatcher already holds (their mark is still being written)', () => {
    const answer = { unrouted: unroutedAt7, notYetQueued: [delivery(4), delivery(5)], notYetQueuedComplete: true };
    expect(floorFor(answer, (id) => id === 'dlv_4')).toEqual({ receivedAt: at(5), eventId: 'evt_5' });
    expect(floorFor(answer, () => true)).toEqual(unroutedAt7);
  });

  it('a list cut at its limit whose every delivery is held caps the floor at its last, since nothing after it was read', () => {
    const answer = { unrouted: unroutedAt7, notYetQueued: [delivery(2), delivery(3)], notYetQueuedComplete: false };
    expect(floorFor(answer, () => true)).toEqual({ receivedAt: at(3), eventId: 'evt_3' });
  });
});
