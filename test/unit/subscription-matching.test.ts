import { describe, expect, it } from 'vitest';
import {
  eventTypeMatches,
  matchSubscriptions,
  type RoutableSubscription,
} from '../../src/delivery/subscription-matching.js';

describe('eventTypeMatches', () => {
  it.each([
    { pattern: 'shipment.delivered', eventType: 'shipment.delivered', matches: true },
    { pattern: 'shipment.delivered', eventType: 'shipment.created', matches: false },
    { pattern: 'shipment.delivered', eventType: 'shipment.delivered.late', matches: false },
    { pattern: 'shipment.delivered', eventType: 'Shipment.Delivered', matches: false },
    { pattern: 'shipment.*', eventType: 'shipment.delivered', matches: true },
    { pattern: 'shipment.*', eventType: 'shipment.x.y', matches: true },
    { pattern: 'shipment.*', eventType: 'shipment', matches: false },
    { pattern: 'shipment.*', eventType: 'shipments.x', matches: false },
    { pattern: 'shipment.*', eventType: 'order.shipment.created', matches: false },
    { pattern: 'shipment.x.*', eventType: 'shipment.x.y', matches: true },
    { pattern: 'shipment.x.*', eventType: 'shipment.y.z', matches: false },
    { pattern: '*', eventType: 'shipment.delivered', matches: true },
    { pattern: '*', eventType: 'anything', matches: true },
  ])('$pattern matches $eventType: $matches', ({ pattern, eventType, matches }) => {
    expect(eventTypeMatches(pattern, eventType)).toBe(matches);
  });
});

describe('matchSubscriptions', () => {
  const subscription = (id: string, overrides: Partial<RoutableSubscription> = {}): RoutableSubscription => ({
    id,
    enabled: true,
    eventTypes: ['*'],
    sourceIds: [],
    ...overrides,
  });
  const ids = (subscriptions: RoutableSubscription[]) => subscriptions.map((s) => s.id);
  const event = { sourceId: 'src_courier', eventType: 'shipment.delivered' };

  it('leaves out disabled subscriptions even when everything else matches', () => {
    const subscriptions = [subscription('sub_on'), subscription('sub_off', { enabled: false })];
    expect(ids(matchSubscriptions(subscriptions, event))).toEqual(['sub_on']);
  });

  it('treats an empty source filter as every source', () => {
    expect(ids(matchSubscriptions([subscription('sub_all', { sourceIds: [] })], event))).toEqual(['sub_all']);
    expect(
      ids(matchSubscriptions([subscription('sub_all', { sourceIds: [] })], { ...event, sourceId: 'src_other' })),
    ).toEqual(['sub_all']);
  });

  it('keeps a subscription with a source filter only for the listed sources', () => {
    const subscriptions = [
      subscription('sub_courier', { sourceIds: ['src_courier'] }),
      subscription('sub_both', { sourceIds: ['src_shop', 'src_courier'] }),
      subscription('sub_shop', { sourceIds: ['src_shop'] }),
    ];
    expect(ids(matchSubscriptions(subscriptions, event))).toEqual(['sub_courier', 'sub_both']);
  });

  it('matches when any one of several type patterns matches', () => {
    const subscriptions = [
      subscription('sub_exact_second', { eventTypes: ['order.created', 'shipment.delivered'] }),
      subscription('sub_prefix', { eventTypes: ['order.*', 'shipment.*'] }),
      subscription('sub_none', { eventTypes: ['order.*', 'shipment.created', 'shipments.*'] }),
    ];
    expect(ids(matchSubscriptions(subscriptions, event))).toEqual(['sub_exact_second', 'sub_prefix']);
  });

  it('matches nothing for a subscription with no type patterns', () => {
    expect(matchSubscriptions([subscription('sub_empty', { eventTypes: [] })], event)).toEqual([]);
  });

  it('requires both the type and the source to match', () => {
    const subscriptions = [
      subscription('sub_type_only', { eventTypes: ['shipment.*'], sourceIds: ['src_shop'] }),
      subscription('sub_source_only', { eventTypes: ['order.*'], sourceIds: ['src_courier'] }),
      subscription('sub_both', { eventTypes: ['shipment.*'], sourceIds: ['src_courier'] }),
    ];
    expect(ids(matchSubscriptions(subscriptions, event))).toEqual(['sub_both']);
  });

  it("returns the caller's own subscription objects, extra fields included", () => {
    const full = { ...subscription('sub_full'), url: 'https://partner.example/hooks' };
    const [matched] = matchSubscriptions([full], event);
    expect(matched).toBe(full);
  });
});
