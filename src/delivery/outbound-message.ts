import { signStandardWebhook } from '../schemes/standard-webhooks.js';

export interface DeliverableEvent {
  id: string;
  eventType: string;
  sourceId: string;
  receivedAt: Date;
  data: unknown;
}

/** The envelope every subscriber receives (README "Deliver to subscribers"); identical bytes on every attempt. */
export function deliveryBody(event: DeliverableEvent): string {
  return JSON.stringify(deliveryEnvelope(event));
}

/** The standard body as an object: what a subscription's transformation is evaluated on (with the headers). */
export function deliveryEnvelope(event: DeliverableEvent) {
  return {
    id: event.id,
    type: event.eventType,
    source: event.sourceId,
    timestamp: event.receivedAt.toISOString(),
    data: event.data,
  };
}

export interface SigningSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/** Secrets that sign right now: the current one, plus the previous one inside its grace window. */
export function signingSecrets(subscription: SigningSecrets, now: Date): string[] {
  const previousValid =
    subscription.previousSecret && subscription.previousSecretExpiresAt && subscription.previousSecretExpiresAt > now;
  return previousValid ? [subscription.secret, subscription.previousSecret!] : [subscription.secret];
}

/** Standard Webhooks headers: `webhook-id` is the event id (stable across retries and replays). */
export function deliveryHeaders(
  eventId: string,
  body: string,
  secrets: string[],
  now: Date,
  extra: Record<string, string>,
  userAgent: string,
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    ...extra,
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signStandardWebhook(secret, eventId, timestamp, body)).join(' '),
  };
}
