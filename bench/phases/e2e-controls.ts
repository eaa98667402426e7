// What delivery controls cost on the hot path (README "Payload filters", "Transformations"): the e2e
// run again on a source of its own, with one of the two subscriptions carrying a filter (which every
// event passes, so the deliveries are the same) and a transform; its deliveries/s over e2e's.
import { randomBytes } from 'node:crypto';
import { required, type Phase } from '../runner/phase.js';
import { startSubscriber } from '../runner/subscriber.js';
import { sendAndDeliver } from './e2e.js';

/** The cost the issue allows: the run with controls keeps at least 90% of e2e's throughput. */
export const CONTROLS_TARGET_RATIO = 0.9;

// The envelope's `data` is the partner's body: `{ type, timestamp, data: { orderId, amount, currency, note } }`.
const FILTER = {
  type: 'order.paid',
  'data.data.amount': { $gte: 1 },
  'data.data.currency': { $in: ['EUR', 'USD', 'GBP'] },
  'data.data.orderId': { $regex: '^ord_\\d+$' },
};
const TRANSFORM =
  '{ "body": { "order": data.data.orderId, "cents": data.data.amount, "currency": $lowercase(data.data.currency), "at": timestamp }, "headers": { "x-order": data.data.orderId } }';

const round2 = (n: number) => Math.round(n * 100) / 100;

export const e2eControlsPhase: Phase = {
  name: 'e2eControls',
  async run(ctx) {
    const { stack, log } = ctx;
    const without = required(ctx, 'unorderedDeliveriesPerSec', 'e2eControls');
    const hookflow = await stack.hookflow();
    log('e2e with a filter and a transform on one of the 2 subscriptions…');
    const [steady, flaky] = await Promise.all([startSubscriber(false), startSubscriber(true)]);
    stack.closeAtEnd(steady);
    stack.closeAtEnd(flaky);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const sourceId = 'bench-e2e-controls';
    await stack.api.post('/v1/sources', { id: sourceId, scheme: 'standard-webhooks', secret });
    await stack.api.post('/v1/subscriptions', {
      url: steady.url,
      eventTypes: ['*'],
      sourceIds: [sourceId],
      filter: FILTER,
      transform: TRANSFORM,
    });
    await stack.api.post('/v1/subscriptions', { url: flaky.url, eventTypes: ['*'], sourceIds: [sourceId] });
    const run = await sendAndDeliver(ctx, hookflow, [steady, flaky], { id: sourceId, secret, tag: 'e2e-controls' });
    const deliveriesPerSec = run.delivered / run.seconds;
    const ratio = round2(deliveriesPerSec / without);
    const result = {
      delivered: run.delivered,
      expectedDeliveries: run.expected,
      lost: run.expected - run.delivered,
      seconds: Math.round(run.seconds * 10) / 10,
      deliveriesPerSec: Math.round(deliveriesPerSec),
      withoutControlsDeliveriesPerSec: Math.round(without),
      controlsRatio: ratio,
      targetRatio: CONTROLS_TARGET_RATIO,
      met: ratio >= CONTROLS_TARGET_RATIO,
      cpuPercentOfOneCore: run.cpu,
    };
    return {
      result,
      lines: [
        `e2e with filter + transform: ${run.delivered}/${run.expected} deliveries in ${result.seconds} s = ${result.deliveriesPerSec}/s against ${result.withoutControlsDeliveriesPerSec}/s without; controlsRatio ${ratio} (target ≥ ${CONTROLS_TARGET_RATIO}: ${result.met ? 'met' : 'NOT met'}); CPU % of one core ${JSON.stringify(run.cpu)}`,
      ],
    };
  },
};
