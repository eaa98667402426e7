import { BlockList, isIP } from 'node:net';

/** Ranges a delivery may never connect to unless private targets are allowed (README "Deliver to subscribers"). */
const blocked = new BlockList();
const v4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", incl. unspecified 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
];
const v6: [string, number][] = [
  ['::', 96], // unspecified, loopback, IPv4-compatible (also handled above)
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b::', 96], // NAT64 (reaches IPv4 space)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds IPv4)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];
for (const [net, prefix] of v4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of v6) blocked.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (handles `::` and a trailing dotted quad). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
}

const ipv4FromGroups = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');

/** Whether a literal IP address is in a blocked range (non-IP input counts as blocked). */
export function isBlockedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    const groups = ipv6Groups(bare);
    const leadingZeros = groups.findIndex((g) => g !== 0);
    // ::ffff:a.b.c.d (IPv4-mapped) is the IPv4 address it carries.
    if (leadingZeros === 5 && groups[5] === 0xffff)
      return blocked.check(ipv4FromGroups(groups[6]!, groups[7]!), 'ipv4');
    // ::/96 holds ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d: never a delivery target.
    if (leadingZeros === -1 || leadingZeros >= 6) return true;
    return blocked.check(bare, 'ipv6');
  }
  return true;
}
