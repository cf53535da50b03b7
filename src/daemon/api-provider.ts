import { ApiError, type ApiProvider, type NegotiatedInfo, type PathInfo, type PathQuery, type PeerInfo } from '../api/provider.js';
import { formatIpv4, formatIpv6, formatPrefix } from '../lib/prefix.js';
import type { BestChange } from '../rib/loc-rib.js';
import { VERSION } from '../lib/version.js';
import type { Negotiated } from '../session/types.js';
import { familyName } from '../wire/constants.js';
import { advertisedPath, exportedPath, locPath, receivedPath } from './api-paths.js';
import type { Daemon, PeerStatus } from './daemon.js';
import { injectedNlri, injectedRoute } from './injected.js';

function negotiatedInfo(n: Negotiated | null): NegotiatedInfo | null {
  if (!n) return null;
  const fam = (f: number) => familyName(f >>> 8, f & 0xff);
  const caps: string[] = [];
  if (n.fourOctetAs) caps.push('4-octet-as');
  if (n.routeRefresh) caps.push('route-refresh');
  if (n.enhancedRouteRefresh) caps.push('enhanced-route-refresh');
  if (n.extendedMessage) caps.push('extended-message');
  if (n.peerGracefulRestart) caps.push(`graceful-restart:${n.peerGracefulRestart.restartTime}s`);
  if (n.peerLongLivedStaleTime !== null) caps.push(`long-lived-graceful-restart:${n.peerLongLivedStaleTime}s`);
  for (const f of n.addPathReceive) caps.push(`add-path-rx:${fam(f)}`);
  for (const f of n.addPathSend) caps.push(`add-path-tx:${fam(f)}`);
  if (n.peerHostname) caps.push(`hostname:${n.peerHostname}`);
  return { peerRouterId: formatIpv4(n.peerRouterId), holdTime: n.holdTime, keepaliveTime: n.keepaliveTime, families: [...n.families].map(fam), capabilities: caps };
}

function counts(m: ReadonlyMap<string, number>): { code: number; subcode: number; count: number }[] {
  return [...m].map(([k, count]) => {
    const [code, subcode] = k.split('/').map(Number) as [number, number];
    return { code, subcode, count };
  });
}

function peerInfo(p: PeerStatus, rejected: number): PeerInfo {
  return {
    name: p.name,
    address: p.address,
    port: p.port,
    peerAs: p.asNumber,
    localAs: p.localAs,
    type: p.type,
    family: p.family,
    state: p.state,
    passive: p.passive,
    since: p.lastTransition,
    lastError: p.lastError,
    counters: {
      prefixesReceived: p.stats.received,
      // Received minus what the import rules refused (AS loops; BGPFilters with the RIB issue).
      prefixesAccepted: p.stats.received - rejected,
      prefixesAdvertised: p.stats.advertised,
      prefixesStale: p.stats.stale,
      updatesIn: p.stats.updatesIn,
      updatesOut: p.stats.updatesOut,
      notificationsIn: counts(p.notifications.in),
      notificationsOut: counts(p.notifications.out),
    },
    holdTime: p.holdTime,
    keepaliveTime: p.keepaliveTime,
    negotiated: negotiatedInfo(p.negotiated),
  };
}

/** The management API over a running daemon. */
export function daemonApiProvider(d: Daemon): ApiProvider {
  return {
    status: () => {
      const s = d.desired;
      return {
        routerId: s?.routerId ?? '',
        asNumber: s?.asNumber ?? 0,
        nodeName: s?.node ?? '',
        version: VERSION,
        startedAt: d.startedAt,
        listenAddress: s?.listen.address ?? '',
        listenPort: d.port,
      };
    },
    peers: () => d.peers().map((p) => peerInfo(p, d.rib.rejectedCount(p.name))),
    paths: (q: PathQuery): PathInfo[] => {
      if (q.table === 'loc') {
        const out: PathInfo[] = [];
        for (const e of d.rib.rib.ranked()) {
          if (q.family !== undefined && (q.family === 'ipv4') !== (e.prefix.afi === 1)) continue;
          for (const r of e.paths) {
            if (q.peer !== undefined && (r.path.source.kind !== 'bgp' || r.path.source.peer !== q.peer)) continue;
            out.push(locPath(e.prefix, r));
          }
        }
        return out;
      }
      const status = d.peers().find((p) => p.name === q.peer);
      const n = q.peer ? d.neighbor(q.peer) : null;
      if (!status || !n) throw new ApiError('not-found', `no peer named ${q.peer ?? '(none)'}`);
      const since = status.lastTransition ?? Date.now();
      const want = (afi: number) => q.family === undefined || (q.family === 'ipv4') === (afi === 1);
      if (q.table === 'in') {
        return [...n.adjRibIn.entries()].filter((r) => want(r.nlri.afi)).map((r) => receivedPath(r, status.name, status.address, since));
      }
      const { routes, origin } = n.advertisedRoutes();
      const own = routes
        .filter((r) => want(r.nlri.afi))
        .map((r) => {
          const nh = r.nlri.afi === 1 ? (origin?.nextHopV4 != null ? formatIpv4(origin.nextHopV4) : null) : origin?.nextHopV6 ? formatIpv6(origin.nextHopV6) : null;
          return advertisedPath(r, status.name, nh, origin && !origin.internal ? [origin.localAs] : [], since);
        });
      const learnt = n.advertisedLearnt().filter((r) => want(r.nlri.afi)).map((r) => exportedPath(r, status.name, since));
      return [...own, ...learnt];
    },
    addPath: async (p) => {
      const r = injectedRoute(p);
      d.rib.inject(r.nlri, r.attributes, r.mpNextHop);
    },
    deletePath: async (k) => {
      if (!d.rib.removeInjected(injectedNlri(k))) throw new ApiError('not-found', `no injected path for ${k.prefix}`);
    },
    watchPaths: (onEvent) => {
      const handler = (changes: readonly BestChange[]) => {
        for (const c of changes) {
          const family = c.prefix.afi === 1 ? 'ipv4' : 'ipv6';
          const prefix = formatPrefix(c.prefix);
          if (!c.after) onEvent({ type: 'withdrawn', family, prefix, path: null });
          else onEvent({ type: 'best', family, prefix, path: locPath(c.prefix, { path: c.after, best: true, multipath: true, lostAt: null }) });
        }
      };
      d.on('best', handler);
      return () => d.off('best', handler);
    },
    watchPeers: (onChange) => {
      const handler = (name: string, event: 'changed' | 'added' | 'removed') => {
        const p = d.peers().find((x) => x.name === name);
        if (p) onChange(peerInfo(p, d.rib.rejectedCount(p.name)), event);
      };
      d.on('peer', handler);
      return () => d.off('peer', handler);
    },
  };
}
