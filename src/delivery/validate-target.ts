import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isBlockedAddress } from './blocked-addresses.js';
import { checkTargetUrl, type TargetPolicy } from './http-client.js';

/**
 * Registration-time check of a subscription URL: scheme, https rule, and (unless private targets
 * are allowed) that the host does not resolve only into blocked ranges. Deliveries check again at
 * connect time; this just refuses obvious mistakes early. Returns a reason, or undefined when fine.
 */
export async function subscriptionUrlProblem(url: string, policy: TargetPolicy): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = checkTargetUrl(url, policy);
  } catch (error) {
    return (error as Error).message;
  }
  if (policy.allowPrivateTargets || isIP(parsed.hostname.replace(/^\[|\]$/g, ''))) return undefined;
  try {
    const addresses = await lookup(parsed.hostname, { all: true });
    if (addresses.every((a) => isBlockedAddress(a.address)))
      return `${parsed.hostname} resolves only to private or reserved addresses`;
  } catch {
    // Not resolvable now (maybe not yet): accepted; every delivery checks again at connect time.
    return undefined;
  }
  return undefined;
}
