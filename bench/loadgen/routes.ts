/**
 * The UPDATE bytes a sender writes, built with petrel's codec before any
 * clock starts: announcements packed full per attribute set
 * (packUpdates), withdrawals packed full (packWithdrawals), then joined into
 * one buffer per sender so a phase is one socket write per session.
 */
import { codecContext, ipv4Nlri, packUpdates, packWithdrawals, type Nlri, type PathAttribute } from '../../src/wire/index.js';
import { parseIpv4 } from '../../src/lib/prefix.js';
import type { AttrSpec, PrefixSpace, RangeSpec } from './protocol.js';

const CTX = codecContext({ fourOctetAs: true });

export function attributes(a: AttrSpec): PathAttribute[] {
  const out: PathAttribute[] = [
    { kind: 'ORIGIN', origin: 0 },
    { kind: 'AS_PATH', segments: a.asPath.length ? [{ type: 2, asns: [...a.asPath] }] : [] },
    { kind: 'NEXT_HOP', nextHop: parseIpv4(a.nextHop)! },
  ];
  if (a.med !== undefined) out.push({ kind: 'MULTI_EXIT_DISC', med: a.med });
  if (a.localPref !== undefined) out.push({ kind: 'LOCAL_PREF', localPref: a.localPref });
  if (a.communities?.length) out.push({ kind: 'COMMUNITIES', communities: [...a.communities] });
  return out;
}

export function spaceBase(space: PrefixSpace): number {
  const b = parseIpv4(space.base);
  if (b === null) throw new Error(`prefix space base ${space.base} is not an IPv4 address`);
  return b;
}

function nlriOf(space: PrefixSpace, r: RangeSpec): Nlri[] {
  const base = spaceBase(space);
  const step = 2 ** (32 - space.len);
  const out: Nlri[] = new Array(r.count);
  for (let i = 0; i < r.count; i++) out[i] = ipv4Nlri((base + (r.from + i) * step) >>> 0, space.len);
  return out;
}

function join(msgs: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of msgs) total += m.length;
  const out = new Uint8Array(total);
  let p = 0;
  for (const m of msgs) {
    out.set(m, p);
    p += m.length;
  }
  return out;
}

export interface SenderBytes {
  readonly announce: Uint8Array;
  readonly withdraw: Uint8Array;
  readonly prefixes: number;
  readonly updates: number;
}

export function senderBytes(space: PrefixSpace, ranges: readonly RangeSpec[]): SenderBytes {
  const ann: Uint8Array[] = [];
  const wd: Uint8Array[] = [];
  let prefixes = 0;
  for (const r of ranges) {
    const nlri = nlriOf(space, r);
    ann.push(...packUpdates(attributes(r.attrs), nlri, CTX));
    wd.push(...packWithdrawals(nlri, CTX));
    prefixes += r.count;
  }
  return { announce: join(ann), withdraw: join(wd), prefixes, updates: ann.length };
}
