/**
 * diffDesiredState: what changed between two desired states, as typed
 * changes the daemon can apply one by one. A session is reset only when the
 * change cannot be applied to a running session: its identity or transport
 * (address, port, AS numbers, router ID, password, TTL, source address) or
 * what was agreed in OPEN (graceful restart time). Policy changes (filters,
 * next hop, route reflection) are applied by re-importing (route refresh) or
 * re-advertising, and never flap a session.
 */
import type {
  CommunityAdvertisement,
  DesiredPeer,
  DesiredState,
  ExportRule,
  KernelRule,
  OriginatedPrefix,
  PoolState,
} from './translate/desired-state.js';

/** Per-session fields compared by the diff; `localAs` and `routerId` are the node-wide values as the session sees them. */
export type PeerField = Exclude<keyof DesiredPeer, 'name' | 'fromBgpPeer' | 'workload'> | 'localAs' | 'routerId';

/** Changing these needs a new BGP session (TCP connection or OPEN). */
const RESET_FIELDS: ReadonlySet<PeerField> = new Set<PeerField>([
  'address',
  'port',
  'family',
  'asNumber',
  'localAsNumber',
  'localAs',
  'routerId',
  'password',
  'ttlSecurity',
  'multihop',
  'sourceAddress',
  'gracefulRestartTime',
  'type',
]);

/** Changing these changes what is accepted from the peer: re-import (route refresh). */
const REIMPORT_FIELDS: ReadonlySet<PeerField> = new Set<PeerField>(['importFilters', 'allowLocalAs']);

/** Changing these changes what is sent to the peer: re-advertise. */
const REEXPORT_FIELDS: ReadonlySet<PeerField> = new Set<PeerField>([
  'exportFilters',
  'nextHop',
  'routeReflectorClient',
  'clusterId',
  'internal',
]);

export type StateChange =
  | { readonly kind: 'peerAdded'; readonly name: string; readonly peer: DesiredPeer }
  | { readonly kind: 'peerRemoved'; readonly name: string; readonly peer: DesiredPeer }
  | {
      readonly kind: 'peerChanged';
      readonly name: string;
      readonly before: DesiredPeer;
      readonly after: DesiredPeer;
      readonly changedFields: readonly PeerField[];
      /** Tear the session down and bring it up again. */
      readonly resetRequired: boolean;
      /** Ask the peer to resend its routes (or re-run import on the stored ones). */
      readonly reimportRequired: boolean;
      /** Re-run export towards this peer. */
      readonly reexportRequired: boolean;
    }
  | { readonly kind: 'listenChanged'; readonly before: DesiredState['listen']; readonly after: DesiredState['listen'] }
  | {
      readonly kind: 'originateChanged';
      readonly added: readonly OriginatedPrefix[];
      readonly removed: readonly OriginatedPrefix[];
      readonly changed: readonly { readonly before: OriginatedPrefix; readonly after: OriginatedPrefix }[];
    }
  | { readonly kind: 'exportPolicyChanged'; readonly family: 'ipv4' | 'ipv6'; readonly before: readonly ExportRule[]; readonly after: readonly ExportRule[] }
  | { readonly kind: 'communitiesChanged'; readonly before: readonly CommunityAdvertisement[]; readonly after: readonly CommunityAdvertisement[] }
  | { readonly kind: 'kernelPolicyChanged'; readonly family: 'ipv4' | 'ipv6'; readonly before: readonly KernelRule[]; readonly after: readonly KernelRule[] }
  | { readonly kind: 'poolsChanged'; readonly before: readonly PoolState[]; readonly after: readonly PoolState[] }
  | { readonly kind: 'staticRoutesChanged'; readonly before: DesiredState['staticRoutesVia']; readonly after: DesiredState['staticRoutesVia'] }
  | { readonly kind: 'nodeSettingsChanged'; readonly fields: readonly ('logLevel' | 'ignoredInterfaces' | 'normalRoutePriority' | 'programClusterRoutes' | 'nodeAddresses')[] };

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Compared per session. `localAddress` (a local workload's peering address)
 * is not in BIRD's config, so changing it resets nothing: the workload
 * reconnects to the new address Felix gives it and the listener accepts it.
 */
const PEER_FIELDS: readonly Exclude<keyof DesiredPeer, 'name' | 'fromBgpPeer' | 'workload'>[] = [
  'address',
  'port',
  'asNumber',
  'localAsNumber',
  'type',
  'family',
  'passive',
  'routeReflectorClient',
  'clusterId',
  'password',
  'gracefulRestartTime',
  'keepaliveTime',
  'ttlSecurity',
  'multihop',
  'nextHop',
  'sourceAddress',
  'localAddress',
  'allowLocalAs',
  'reachableBy',
  'importFilters',
  'exportFilters',
  'internal',
  // Applied to the running session: no reset.
  'maxPrefixes',
];

function peerChange(prev: DesiredState, next: DesiredState, before: DesiredPeer, after: DesiredPeer): StateChange | null {
  const changed: PeerField[] = PEER_FIELDS.filter((f) => !equal(before[f], after[f]));
  if ((before.localAsNumber ?? prev.asNumber) !== (after.localAsNumber ?? next.asNumber)) changed.push('localAs');
  if (prev.routerId !== next.routerId) changed.push('routerId');
  if (changed.length === 0) return null;
  const resetRequired = changed.some((f) => RESET_FIELDS.has(f));
  return {
    kind: 'peerChanged',
    name: after.name,
    before,
    after,
    changedFields: changed,
    resetRequired,
    // A reset re-learns and re-sends everything anyway.
    reimportRequired: !resetRequired && changed.some((f) => REIMPORT_FIELDS.has(f)),
    reexportRequired: !resetRequired && changed.some((f) => REEXPORT_FIELDS.has(f)),
  };
}

/**
 * The changes that turn `previous` into `next`. Pass `previous = null` for the
 * first state: every session is then added. Order: removals, changes,
 * additions, then node-wide policy.
 */
export function diffDesiredState(previous: DesiredState | null, next: DesiredState): StateChange[] {
  const out: StateChange[] = [];
  const prevPeers = new Map((previous?.peers ?? []).map((p) => [p.name, p]));
  const nextPeers = new Map(next.peers.map((p) => [p.name, p]));
  for (const [name, peer] of prevPeers) if (!nextPeers.has(name)) out.push({ kind: 'peerRemoved', name, peer });
  if (previous) {
    for (const [name, after] of nextPeers) {
      const before = prevPeers.get(name);
      if (!before) continue;
      const c = peerChange(previous, next, before, after);
      if (c) out.push(c);
    }
  }
  for (const [name, peer] of nextPeers) if (!prevPeers.has(name)) out.push({ kind: 'peerAdded', name, peer });

  if (!equal(previous?.listen ?? null, next.listen) && previous) out.push({ kind: 'listenChanged', before: previous.listen, after: next.listen });

  const prevOrig = new Map((previous?.originate ?? []).map((o) => [o.prefix, o]));
  const nextOrig = new Map(next.originate.map((o) => [o.prefix, o]));
  const added = next.originate.filter((o) => !prevOrig.has(o.prefix));
  const removed = (previous?.originate ?? []).filter((o) => !nextOrig.has(o.prefix));
  const changed = next.originate
    .filter((o) => prevOrig.has(o.prefix) && !equal(prevOrig.get(o.prefix), o))
    .map((after) => ({ before: prevOrig.get(after.prefix)!, after }));
  if (added.length + removed.length + changed.length > 0) out.push({ kind: 'originateChanged', added, removed, changed });

  for (const family of ['ipv4', 'ipv6'] as const) {
    const before = previous?.exportPolicy[family] ?? [];
    if (!equal(before, next.exportPolicy[family])) out.push({ kind: 'exportPolicyChanged', family, before, after: next.exportPolicy[family] });
  }
  if (!equal(previous?.communities ?? [], next.communities)) out.push({ kind: 'communitiesChanged', before: previous?.communities ?? [], after: next.communities });
  for (const family of ['ipv4', 'ipv6'] as const) {
    const before = previous?.kernelPolicy[family] ?? [];
    if (!equal(before, next.kernelPolicy[family])) out.push({ kind: 'kernelPolicyChanged', family, before, after: next.kernelPolicy[family] });
  }
  if (!equal(previous?.pools ?? [], next.pools)) out.push({ kind: 'poolsChanged', before: previous?.pools ?? [], after: next.pools });
  if (!equal(previous?.staticRoutesVia ?? [], next.staticRoutesVia)) out.push({ kind: 'staticRoutesChanged', before: previous?.staticRoutesVia ?? [], after: next.staticRoutesVia });
  if (previous) {
    const fields = (['logLevel', 'ignoredInterfaces', 'normalRoutePriority', 'programClusterRoutes', 'nodeAddresses'] as const).filter((f) => !equal(previous[f], next[f]));
    if (fields.length > 0) out.push({ kind: 'nodeSettingsChanged', fields });
  }
  return out;
}

/** Names of the sessions a set of changes tears down (removed or reset). */
export function sessionsDisturbed(changes: readonly StateChange[]): string[] {
  return changes
    .filter((c) => c.kind === 'peerRemoved' || (c.kind === 'peerChanged' && c.resetRequired))
    .map((c) => (c as { name: string }).name);
}
