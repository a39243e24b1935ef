// The key of an anonymous caller for per-address limits: the socket's peer address, with IPv4-mapped
// IPv6 written as IPv4 and IPv6 cut to its /64 prefix — one IPv6 subscriber usually holds a whole
// /64, so counting single addresses would hand an attacker 2^64 buckets. X-Forwarded-For is not
// read: anyone can send it. Behind a reverse proxy every anonymous caller shares the proxy's address
// (docs/authorization.md).

import { isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address in lower-case hex ("::" expanded), or undefined. */
function ipv6Groups(address: string): string[] | undefined {
  const zoneless = address.split('%')[0]!.toLowerCase();
  const halves = zoneless.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = toGroups(halves[0]!);
  const tail = halves.length === 2 ? toGroups(halves[1]!) : [];
  // An embedded IPv4 tail (::1.2.3.4) fills two groups.
  const last = tail.length > 0 ? tail : head;
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    const octets = last.pop()!.split('.').map(Number);
    last.push(((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  return groups.map((g) => g.replace(/^0+(?=.)/, ''));
}

export function clientAddressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined || remoteAddress === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped !== null) return mapped[1]!;
  if (!isIPv6(remoteAddress)) return remoteAddress;
  const groups = ipv6Groups(remoteAddress);
  return groups === undefined ? remoteAddress : `${groups.slice(0, 4).join(':')}::/64`;
}
