import { describe, expect, it } from 'vitest';
import { isBlockedAddress } from '../../src/delivery/blocked-addresses.js';

interface AddressCase {
  address: string;
  range: string;
}

// Every blocked range (README "Deliver to subscribers"), with the edges of each prefix where an off-by-one would show.
const blocked: AddressCase[] = [
  { address: '127.0.0.1', range: 'IPv4 loopback' },
  { address: '127.255.255.254', range: 'IPv4 loopback, top of 127/8' },
  { address: '::1', range: 'IPv6 loopback' },
  { address: '10.0.0.0', range: 'private 10/8, first' },
  { address: '10.255.255.255', range: 'private 10/8, last' },
  { address: '172.16.0.0', range: 'private 172.16/12, first' },
  { address: '172.31.255.255', range: 'private 172.16/12, last' },
  { address: '192.168.0.1', range: 'private 192.168/16' },
  { address: '192.168.255.255', range: 'private 192.168/16, last' },
  { address: '169.254.0.1', range: 'IPv4 link-local' },
  { address: '169.254.169.254', range: 'cloud metadata (link-local)' },
  { address: 'fe80::1', range: 'IPv6 link-local' },
  { address: '100.64.0.1', range: 'CGNAT 100.64/10, start' },
  { address: '100.127.255.255', range: 'CGNAT 100.64/10, last' },
  { address: '224.0.0.1', range: 'IPv4 multicast, first block' },
  { address: '239.255.255.255', range: 'IPv4 multicast, last' },
  { address: 'ff02::1', range: 'IPv6 multicast' },
  { address: '0.0.0.0', range: 'IPv4 unspecified' },
  { address: '::', range: 'IPv6 unspecified' },
  { address: 'fc00::1', range: 'unique-local fc00::/7, fc half' },
  { address: 'fd12:3456::1', range: 'unique-local fc00::/7, fd half' },
  { address: '::ffff:127.0.0.1', range: 'IPv4-mapped loopback' },
  { address: '::ffff:10.0.0.1', range: 'IPv4-mapped private' },
  { address: '::ffff:7f00:1', range: 'IPv4-mapped loopback, hex form (as WHATWG URL serialises it)' },
  { address: '::ffff:169.254.169.254', range: 'IPv4-mapped cloud metadata' },
  { address: '::FFFF:A9FE:A9FE', range: 'IPv4-mapped cloud metadata, upper-case hex' },
  { address: '0:0:0:0:0:ffff:7f00:1', range: 'IPv4-mapped loopback, fully written out' },
];

const allowed: AddressCase[] = [
  { address: '8.8.8.8', range: 'public IPv4' },
  { address: '1.1.1.1', range: 'public IPv4' },
  { address: '93.184.216.34', range: 'public IPv4' },
  { address: '2606:4700:4700::1111', range: 'public IPv6' },
  { address: '::ffff:8.8.8.8', range: 'IPv4-mapped public' },
  { address: '172.15.255.255', range: 'just below private 172.16/12' },
  { address: '172.32.0.0', range: 'just above private 172.16/12' },
  { address: '100.63.255.255', range: 'just below CGNAT 100.64/10' },
  { address: '100.128.0.0', range: 'just above CGNAT 100.64/10' },
  { address: '11.0.0.0', range: 'just above private 10/8' },
  { address: '126.255.255.255', range: 'just below loopback 127/8' },
  { address: '223.255.255.255', range: 'just below multicast 224/4' },
];

describe('isBlockedAddress', () => {
  it.each(blocked)('blocks $address ($range)', ({ address }) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(allowed)('allows $address ($range)', ({ address }) => {
    expect(isBlockedAddress(address)).toBe(false);
  });

  it.each([
    { address: '[::1]', form: 'bracketed loopback' },
    { address: '[fe80::1]', form: 'bracketed link-local' },
    { address: '[::ffff:7f00:1]', form: 'bracketed mapped loopback' },
    { address: 'fe80::1%eth0', form: 'link-local with a zone id' },
    { address: '[fe80::1%eth0]', form: 'bracketed link-local with a zone id' },
  ])('blocks the $form $address', ({ address }) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['[2606:4700:4700::1111]', '2606:4700:4700::1111%eth0'])(
    'still allows a public address written as %s',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it.each(['example.com', '', 'localhost', '127.0.0.1 ', '999.1.1.1', 'not an ip'])(
    'counts the non-IP string %j as blocked',
    (address) => {
      expect(isBlockedAddress(address)).toBe(true);
    },
  );

  // `::a.b.c.d` (IPv4-compatible) is checked as the IPv4 it carries, so every spelling of the
  // same 128-bit address must get the same answer; WHATWG URL turns `[::127.0.0.1]` into `[::7f00:1]`.
  it.each([
    { spelling: '::127.0.0.1', same: '::7f00:1' },
    { spelling: '::127.0.0.1', same: '0:0:0:0:0:0:127.0.0.1' },
    { spelling: '::10.0.0.1', same: '::a00:1' },
  ])('gives $same the same answer as $spelling (one address, two spellings)', ({ spelling, same }) => {
    expect(isBlockedAddress(spelling)).toBe(true);
    expect(isBlockedAddress(same)).toBe(isBlockedAddress(spelling));
  });
});
