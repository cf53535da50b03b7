/**
 * BGP router ID as confd picks it: CALICO_ROUTER_ID if set; `hash` derives
 * one from the node name (first 4 bytes of SHA-256, with 32 taken off a first
 * octet above 223 so it never lands in multicast or reserved space); else the
 * node's IPv4 address, which bird6 uses too.
 */
import { createHash } from 'node:crypto';
import { parseIp } from '../address.js';

export function hashRouterId(nodeName: string): string {
  const h = createHash('sha256').update(nodeName, 'utf8').digest();
  const first = h[0]! > 223 ? h[0]! - 32 : h[0]!;
  return `${first}.${h[1]}.${h[2]}.${h[3]}`;
}

/** Throws with the variable's name when CALICO_ROUTER_ID is neither `hash` nor an IPv4 address. */
export function routerIdFor(nodeName: string, nodeIpv4: string | undefined, envValue: string | undefined): string | null {
  const v = envValue?.trim();
  if (v === 'hash') return hashRouterId(nodeName);
  if (v !== undefined && v !== '') {
    const ip = parseIp(v);
    if (ip === null || ip.family !== 'ipv4') throw new Error(`CALICO_ROUTER_ID: "${v}" is neither "hash" nor an IPv4 address`);
    return ip.text;
  }
  return nodeIpv4 ?? null;
}
