/** Whether something listens on address:port (IPv4), from /proc/net/tcp of our namespace. */
import { readFileSync } from 'node:fs';
import { parseIpv4 } from '../../src/lib/prefix.js';

function hexAddr(ip: string): string {
  const v = parseIpv4(ip);
  if (v === null) throw new Error(`${ip}: not an IPv4 address`);
  // /proc/net/tcp prints the address in host (little-endian) byte order.
  const le = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  return (le >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

export function isListening(address: string, port: number): boolean {
  const want = [`${hexAddr(address)}:${port.toString(16).toUpperCase().padStart(4, '0')}`, `00000000:${port.toString(16).toUpperCase().padStart(4, '0')}`];
  const lines = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1);
  return lines.some((l) => {
    const f = l.trim().split(/\s+/);
    return f[3] === '0A' && want.includes(f[1] ?? '');
  });
}
