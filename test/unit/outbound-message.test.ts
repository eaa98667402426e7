import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  type DeliverableEvent,
  deliveryBody,
  deliveryHeaders,
  signingSecrets,
} from '../../src/delivery/outbound-message.js';

const USER_AGENT = 'Hookflow/0.1.0';
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const event: DeliverableEvent = {
  id: 'evt_01JXAMPLE',
  eventType: 'shipment.delivered',
  sourceId: 'src_courier',
  receivedAt: new Date('2025-06-01T12:00:00.123Z'),
  data: { tracking: 'TRK-1', weightKg: 2.5, tags: ['fragile'], recipient: { name: 'Zoë' } },
};

/** The header set a Node client sends: names are case-insensitive and the last spelling wins (setHeader). */
function asSent(headers: Record<string, string>): Record<string, string> {
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) sent[name.toLowerCase()] = value;
  return sent;
}

describe('deliveryBody', () => {
  it('is the envelope { id, type, source, timestamp, data } in that order', () => {
    const body = deliveryBody(event);
    expect(Object.keys(JSON.parse(body))).toEqual(['id', 'type', 'source', 'timestamp', 'data']);
    expect(JSON.parse(body)).toEqual({
      id: 'evt_01JXAMPLE',
      type: 'shipment.delivered',
      source: 'src_courier',
      timestamp: '2025-06-01T12:00:00.123Z',
      data: event.data,
    });
  });

  it('produces identical bytes for the same event on every attempt', () => {
    const copy: DeliverableEvent = {
      ...event,
      receivedAt: new Date(event.receivedAt.getTime()),
      data: structuredClone(event.data),
    };
    expect(Buffer.from(deliveryBody(copy))).toEqual(Buffer.from(deliveryBody(event)));
  });

  it.each([
    { what: 'null', data: null },
    { what: 'a string', data: 'plain' },
    { what: 'an array', data: [1, 2, 3] },
  ])('carries $what data unchanged', ({ data }) => {
    expect(JSON.parse(deliveryBody({ ...event, data })).data).toEqual(data);
  });
});

describe('signingSecrets', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

  it.each([
    { what: 'no previous secret', previousSecret: null, previousSecretExpiresAt: null, expected: ['whsec_new'] },
    {
      what: 'a previous secret inside its grace window',
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: at(60_000),
      expected: ['whsec_new', 'whsec_old'],
    },
    {
      what: 'a previous secret expiring 1 ms from now',
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: at(1),
      expected: ['whsec_new', 'whsec_old'],
    },
    {
      what: 'a previous secret expiring exactly now',
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: now,
      expected: ['whsec_new'],
    },
    {
      what: 'a previous secret past its expiry',
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: at(-60_000),
      expected: ['whsec_new'],
    },
    {
      what: 'a previous secret without an expiry',
      previousSecret: 'whsec_old',
      previousSecretExpiresAt: null,
      expected: ['whsec_new'],
    },
  ])('signs with $expected for $what', ({ previousSecret, previousSecretExpiresAt, expected }) => {
    expect(signingSecrets({ secret: 'whsec_new', previousSecret, previousSecretExpiresAt }, now)).toEqual(expected);
  });
});

describe('deliveryHeaders', () => {
  const body = deliveryBody(event);

  it('sets the Standard Webhooks id, timestamp and content headers', () => {
    const now = new Date('2025-06-01T12:00:00.999Z');
    const headers = deliveryHeaders(event.id, body, [newSecret()], now, {}, USER_AGENT);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
  });

  it('is accepted by the official standardwebhooks verifier for the current secret', () => {
    const secret = newSecret();
    const headers = deliveryHeaders(event.id, body, [secret], new Date(), {}, USER_AGENT);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('is refused by the official verifier for another secret or a changed body', () => {
    const secret = newSecret();
    const headers = deliveryHeaders(event.id, body, [secret], new Date(), {}, USER_AGENT);
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(body.replace('TRK-1', 'TRK-2'), headers)).toThrow(/No matching signature/);
  });

  it('signs with both secrets during a rotation, and the official verifier accepts either', () => {
    const current = newSecret();
    const previous = newSecret();
    const headers = deliveryHeaders(event.id, body, [current, previous], new Date(), {}, USER_AGENT);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('stops verifying for the previous secret once its grace window is over', () => {
    const now = new Date();
    const rotated = {
      secret: newSecret(),
      previousSecret: newSecret(),
      previousSecretExpiresAt: new Date(now.getTime() - 1),
    };
    const headers = deliveryHeaders(event.id, body, signingSecrets(rotated, now), now, {}, USER_AGENT);
    expect(new Webhook(rotated.secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(rotated.previousSecret).verify(body, headers)).toThrow(/No matching signature/);
  });

  it("keeps the subscription's other static headers", () => {
    const headers = deliveryHeaders(
      event.id,
      body,
      [newSecret()],
      new Date(),
      { authorization: 'Bearer partner-token', 'x-tenant': 'acme' },
      USER_AGENT,
    );
    expect(headers).toMatchObject({ authorization: 'Bearer partner-token', 'x-tenant': 'acme' });
  });

  it.each([
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'content-type',
    'user-agent',
    'Webhook-Signature',
    'Content-Type',
    'USER-AGENT',
  ])('does not let a static %s header override its own', (name) => {
    const secret = newSecret();
    const now = new Date();
    const headers = deliveryHeaders(event.id, body, [secret], now, { [name]: 'forged' }, USER_AGENT);
    const sent = asSent(headers);
    expect(sent).toMatchObject({
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    });
    expect(sent['webhook-signature']).not.toBe('forged');
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });
});
