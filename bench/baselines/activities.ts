// Activities of the bare Temporal delivery baselines: one HTTP POST, nothing else (no database, no signing).
import http from 'node:http';

export interface DeliveryInput {
  eventId: string;
  url: string;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });

/** POSTs the JSON body with `webhook-id: <eventId>`; any non-2xx answer fails the attempt. */
export function postDelivery(input: DeliveryInput): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      input.url,
      {
        method: 'POST',
        agent,
        timeout: 10_000,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(input.body),
          'webhook-id': input.eventId,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`subscriber answered ${status}`));
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('subscriber timed out')));
    request.on('error', reject);
    request.end(input.body);
  });
}
