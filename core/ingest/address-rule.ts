import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses a link may reach. A link fetched on a user's behalf must never reach our own network
 * (databases, queues, cloud metadata), so everything that is not public unicast is refused, and IPv6 forms
 * that carry an IPv4 address are judged by that address (otherwise ::ffff:127.0.0.1 would slip through).
 */

interface Range {
  bytes: readonly number[];
  bits: number;
  reason: string;
}

/** Where an IPv6 form keeps its IPv4 address: the range, and the byte offset of the four IPv4 bytes. */
interface Embedding {
  range: Range;
  ipv4At: number;
}

function range(cidr: string, reason: string): Range {
  const [address = '', bits = ''] = cidr.split('/');
  const bytes = parseIp(address);
  if (!bytes) throw new Error(`bad range ${cidr}`);
  return { bytes, bits: Number(bits), reason };
}

// The most specific range comes first so that the reason names it.
const IPV4_FORBIDDEN: readonly Range[] = [
  range('255.255.255.255/32', 'limited broadcast'),
  range('169.254.169.254/32', 'cloud metadata service'),
  range('0.0.0.0/8', '"this network"'),
  range('10.0.0.0/8', 'private network'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private network'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  range('192.88.99.0/24', '6to4 relay anycast'),
  range('192.168.0.0/16', 'private network'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  range('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
];

// Judged by the IPv4 address they carry, whatever else the IPv6 prefix would say.
const IPV6_EMBEDDING_IPV4: readonly Embedding[] = [
  { range: range('::ffff:0:0/96', 'IPv4-mapped'), ipv4At: 12 },
  { range: range('::ffff:0:0:0/96', 'IPv4-translated'), ipv4At: 12 },
  { range: range('64:ff9b::/96', 'NAT64'), ipv4At: 12 },
  { range: range('2002::/16', '6to4'), ipv4At: 2 },
];

const IPV6_FORBIDDEN: readonly Range[] = [
  range('::/128', 'unspecified address'),
  range('::1/128', 'loopback'),
  range('64:ff9b:1::/48', 'local-use NAT64'),
  range('100::/64', 'discard prefix'),
  range('2001::/23', 'IETF protocol assignments (Teredo, benchmarking, ORCHID)'),
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('fc00::/7', 'unique local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

// Deprecated IPv4-compatible ::a.b.c.d; after the list above so that :: and ::1 keep their own reasons.
const IPV4_COMPATIBLE: Embedding = { range: range('::/96', 'IPv4-compatible'), ipv4At: 12 };

// Only 2000::/3 is allocated for global unicast; anything else is reserved and refused.
const IPV6_GLOBAL_UNICAST = range('2000::/3', 'global unicast');

/**
 * Why `ip` must not be reached, or null when it is a public address. Anything that is not an IP literal
 * is refused too: callers check resolved addresses, never names.
 */
export function forbiddenReason(ip: string): string | null {
  const bytes = parseIp(ip);
  if (!bytes) return 'not an IP address';
  return bytes.length === 4 ? ipv4Reason(bytes) : ipv6Reason(bytes);
}

/** Public addresses, and exactly the allow-listed literals (tests allow 127.0.0.1; a mapped form does not count). */
export function isAllowedAddress(ip: string, allow: readonly string[]): boolean {
  if (forbiddenReason(ip) === null) return true;
  const bytes = parseIp(ip);
  return bytes !== null && allow.some((entry) => sameBytes(parseIp(entry), bytes));
}

function ipv4Reason(bytes: readonly number[]): string | null {
  return IPV4_FORBIDDEN.find((r) => inRange(bytes, r))?.reason ?? null;
}

function ipv6Reason(bytes: readonly number[]): string | null {
  const embedding = IPV6_EMBEDDING_IPV4.find((e) => inRange(bytes, e.range));
  if (embedding) return embeddedReason(bytes, embedding);
  const forbidden = IPV6_FORBIDDEN.find((r) => inRange(bytes, r));
  if (forbidden) return forbidden.reason;
  if (inRange(bytes, IPV4_COMPATIBLE.range)) return embeddedReason(bytes, IPV4_COMPATIBLE);
  return inRange(bytes, IPV6_GLOBAL_UNICAST) ? null : 'reserved (outside global unicast)';
}

function embeddedReason(bytes: readonly number[], { range: form, ipv4At }: Embedding): string | null {
  const reason = ipv4Reason(bytes.slice(ipv4At, ipv4At + 4));
  return reason === null ? null : `${reason} (${form.reason} IPv6)`;
}

function inRange(bytes: readonly number[], r: Range): boolean {
  if (bytes.length !== r.bytes.length) return false;
  for (let bit = 0; bit < r.bits; bit += 8) {
    const width = Math.min(8, r.bits - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    const i = bit / 8;
    if (((bytes[i] ?? 0) & mask) !== ((r.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function sameBytes(a: readonly number[] | null, b: readonly number[]): boolean {
  return a !== null && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** 4 bytes for IPv4, 16 for IPv6 (a zone such as %eth0 is ignored), null for anything else. */
function parseIp(text: string): number[] | null {
  if (isIPv4(text)) return text.split('.').map(Number);
  if (isIPv6(text)) return parseIpv6(text.split('%')[0] ?? '');
  return null;
}

function parseIpv6(text: string): number[] {
  // A dotted IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  const tailBytes = tail.includes('.') ? tail.split('.').map(Number) : [];
  const groupsText = tailBytes.length > 0 ? text.slice(0, lastColon + 1) + '0:0' : text;

  const [head = '', rest] = groupsText.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  const bytes = [...headGroups, ...zeros, ...restGroups].flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tailBytes.length > 0) bytes.splice(12, 4, ...tailBytes);
  return bytes;
}
