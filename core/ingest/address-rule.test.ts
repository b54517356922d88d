import { describe, expect, it } from 'vitest';
import { forbiddenReason, isAllowedAddress } from './address-rule.js';

// Pure data: nothing here opens a connection.

const FORBIDDEN_IPV4 = [
  ['0.0.0.0', '"this network"'],
  ['0.255.255.255', '"this network"'],
  ['10.0.0.1', 'private network'],
  ['10.255.255.255', 'private network'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['100.127.255.254', 'carrier-grade NAT'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.0.1', 'link-local'],
  ['169.254.169.254', 'cloud metadata service'],
  ['172.16.0.1', 'private network'],
  ['172.31.255.255', 'private network'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['192.0.2.10', 'documentation (TEST-NET-1)'],
  ['192.168.1.1', 'private network'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'documentation (TEST-NET-2)'],
  ['203.0.113.9', 'documentation (TEST-NET-3)'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'limited broadcast'],
] as const;

const FORBIDDEN_IPV6 = [
  ['::', 'unspecified address'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fc00::1', 'unique local'],
  ['fd12:3456:789a::1', 'unique local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['ff0e::101', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['100::1', 'discard prefix'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'],
  ['4000::1', 'reserved (outside global unicast)'],
] as const;

/** IPv6 forms that carry an IPv4 address, judged by that address. */
const EMBEDDED_IPV4 = [
  ['::ffff:127.0.0.1', 'loopback (IPv4-mapped IPv6)'],
  ['::ffff:7f00:2', 'loopback (IPv4-mapped IPv6)'],
  ['::FFFF:10.1.2.3', 'private network (IPv4-mapped IPv6)'],
  ['::ffff:169.254.169.254', 'cloud metadata service (IPv4-mapped IPv6)'],
  ['::ffff:0:192.168.0.1', 'private network (IPv4-translated IPv6)'],
  ['::127.0.0.1', 'loopback (IPv4-compatible IPv6)'],
  ['::a9fe:a9fe', 'cloud metadata service (IPv4-compatible IPv6)'],
  ['64:ff9b::127.0.0.1', 'loopback (NAT64 IPv6)'],
  ['64:ff9b::a00:1', 'private network (NAT64 IPv6)'],
  ['2002:7f00:1::', 'loopback (6to4 IPv6)'],
  ['2002:c0a8:101::1', 'private network (6to4 IPv6)'],
] as const;

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.1',
  '198.17.255.255',
  '223.255.255.255',
  '2606:4700::1111',
  '2a00:1450:4001:82a::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

describe('forbiddenReason', () => {
  it.each(FORBIDDEN_IPV4)('refuses IPv4 %s (%s)', (ip, reason) => {
    expect(forbiddenReason(ip)).toBe(reason);
  });

  it.each(FORBIDDEN_IPV6)('refuses IPv6 %s (%s)', (ip, reason) => {
    expect(forbiddenReason(ip)).toBe(reason);
  });

  it.each(EMBEDDED_IPV4)('judges %s by its embedded IPv4 address', (ip, reason) => {
    expect(forbiddenReason(ip)).toBe(reason);
  });

  it.each(PUBLIC)('lets public %s through', (ip) => {
    expect(forbiddenReason(ip)).toBeNull();
  });

  it.each(['localhost', 'example.com', '', '127.1', '2130706433', '1.2.3.4.5', '[::1]'])(
    'refuses %j, which is not an IP literal',
    (text) => {
      expect(forbiddenReason(text)).toBe('not an IP address');
    },
  );
});

describe('isAllowedAddress', () => {
  it('allows public addresses whatever the allow list says', () => {
    expect(isAllowedAddress('8.8.8.8', [])).toBe(true);
    expect(isAllowedAddress('2606:4700::1111', ['127.0.0.1'])).toBe(true);
  });

  it('allows exactly the allow-listed literals and nothing near them', () => {
    const allow = ['127.0.0.1', '::1'];
    expect(isAllowedAddress('127.0.0.1', allow)).toBe(true);
    expect(isAllowedAddress('0:0:0:0:0:0:0:1', allow)).toBe(true);
    expect(isAllowedAddress('127.0.0.2', allow)).toBe(false);
    expect(isAllowedAddress('::ffff:127.0.0.1', allow)).toBe(false);
    expect(isAllowedAddress('169.254.169.254', allow)).toBe(false);
    expect(isAllowedAddress('10.0.0.1', allow)).toBe(false);
  });

  it('refuses private addresses when nothing is allow-listed', () => {
    expect(isAllowedAddress('127.0.0.1', [])).toBe(false);
    expect(isAllowedAddress('::1', [])).toBe(false);
  });

  it('ignores allow-list entries that are not IP literals', () => {
    expect(isAllowedAddress('127.0.0.1', ['localhost', '127.0.0.0/8'])).toBe(false);
  });
});
