import { toHex } from '../lib/hex.js';
import type { Logger } from '../lib/logger.js';
import type { TimerPort } from '../lib/timer.js';
import { AdjRibIn, type ReceivedRoute } from '../rib/adj-rib-in.js';
import type { Negotiated } from '../session/types.js';
import { familyKey, IPV4_UNICAST, type FamilyKey } from '../wire/constants.js';
import type { Decoded } from '../wire/message.js';
import type { Nlri } from '../wire/nlri.js';
import { encodeUpdate, endOfRib, endOfRibFamily, findAttribute, packWithdrawals } from '../wire/update-encode.js';
import { routeKey, type RouteKey } from '../rib/route-key.js';
import type { UpdateMessage } from '../wire/update-types.js';
import { maxPrefixData, type NotificationMessage } from '../wire/notification.js';
import { CeaseSubcode, ErrorCode } from '../wire/notification-codes.js';
import { encodeRouteRefresh, RouteRefreshSubtype, type RouteRefreshMessage } from '../wire/route-refresh.js';
import { communitySignature, encodeLocalRoutes, type LocalRoute, type OriginContext } from './originate.js';
import type { GroupMember, OutRoute, UpdateGroup } from './update-group.js';

/** Where a neighbor's Adj-RIB-In changes go: the Loc-RIB, through the daemon. */
export interface RouteSink {
  announced(neighbor: string, routes: readonly ReceivedRoute[]): void;
  withdrawn(neighbor: string, nlri: readonly Nlri[]): void;
}

const NO_SINK: RouteSink = { announced() {}, withdrawn() {} };

/** How a neighbor reaches its session: the transport's Peer satisfies it. */
export interface SessionPort {
  sendRaw(messages: readonly Uint8Array[]): boolean;
  /** Drop the session with this NOTIFICATION and let it restart by itself (RFC 4271 event 8). */
  automaticStop?(notification: NotificationMessage): void;
}

/** A max-prefix limit (BIRD's `receive limit`): per family, restart or warn. */
export interface PrefixLimit {
  readonly limit: number;
  readonly action: 'restart' | 'warn';
}

/** RFC 4724 §4.2 "selection deferral": how long stale routes wait for End-of-RIB after the peer is back (BIRD's graceful restart wait). */
export const STALE_WAIT_MS = 240_000;

export interface NeighborStats {
  readonly received: number;
  readonly stale: number;
  readonly advertised: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
  readonly endOfRibReceived: readonly FamilyKey[];
}

/**
 * The speaker's side of one peering: what we told the peer (the initial
 * table, then End-of-RIB, RFC 4724 §2) and what it told us (Adj-RIB-In),
 * including the graceful-restart helper procedure for its restarts.
 */
export class Neighbor implements GroupMember {
  readonly adjRibIn = new AdjRibIn();
  private advertised = 0;
  private updatesIn = 0;
  private updatesOut = 0;
  private eorReceived = new Set<FamilyKey>();
  private staleTimer: unknown = null;
  private negotiated: Negotiated | null = null;
  /** Adj-RIB-Out of learnt paths: the update group this session is in, while Established. */
  private group: UpdateGroup | null = null;
  /** Adj-RIB-Out of our own routes: what the peer was last told, by route key. */
  private sent = new Map<RouteKey, { route: LocalRoute; signature: string }>();
  private origin: OriginContext | null = null;
  private prefixLimit: PrefixLimit | null = null;
  /** Families over their limit that were already reported (warn), or the session already dropped (restart). */
  private overLimit = new Set<FamilyKey>();

  constructor(
    readonly name: string,
    private readonly session: SessionPort,
    private readonly timers: TimerPort,
    private readonly log: Logger,
    private readonly sink: RouteSink = NO_SINK,
  ) {}

  /** Set or clear the max-prefix limit; applies to the running session at the next UPDATE. */
  setPrefixLimit(limit: PrefixLimit | null): void {
    this.prefixLimit = limit;
  }

  /**
   * RFC 4486 §4: over the limit, the session ends with Cease / Maximum
   * Number of Prefixes Reached, its data the AFI, SAFI and the limit; with
   * action warn it stays and the crossing is logged once.
   */
  private checkPrefixLimit(afi: number): void {
    const m = this.prefixLimit;
    if (!m) return;
    const family = familyKey(afi, 1);
    const count = this.adjRibIn.countFamily(family);
    if (count <= m.limit) {
      this.overLimit.delete(family);
      return;
    }
    if (this.overLimit.has(family)) return;
    this.overLimit.add(family);
    if (m.action === 'warn' || !this.session.automaticStop) {
      this.log.warn({ family, limit: m.limit, received: count }, 'max-prefix limit exceeded (action warn: session kept)');
      return;
    }
    this.log.warn({ family, limit: m.limit, received: count }, 'max-prefix limit exceeded: closing the session with Cease 6/1 (RFC 4486)');
    this.session.automaticStop({ type: 'NOTIFICATION', code: ErrorCode.CEASE, subcode: CeaseSubcode.MAXIMUM_NUMBER_OF_PREFIXES_REACHED, data: maxPrefixData(afi, 1, m.limit) });
  }

  private gone(nlri: readonly Nlri[]): void {
    if (nlri.length > 0) this.sink.withdrawn(this.name, nlri);
  }

  stats(): NeighborStats {
    return {
      received: this.adjRibIn.size,
      stale: this.adjRibIn.stale,
      advertised: this.advertised + (this.group?.countFor(this.name) ?? 0),
      updatesIn: this.updatesIn,
      updatesOut: this.updatesOut,
      endOfRibReceived: [...this.eorReceived],
    };
  }

  /**
   * The peer asked for our routes again (RFC 2918): resend the Adj-RIB-Out
   * of that family, between BoRR and EoRR when enhanced route refresh was
   * negotiated (RFC 7313 §4).
   */
  onRouteRefresh(m: RouteRefreshMessage): void {
    const neg = this.negotiated;
    if (!neg || m.subtype !== RouteRefreshSubtype.NORMAL) return;
    const f = familyKey(m.afi, m.safi);
    if (!neg.families.has(f) || !this.origin) return;
    const routes = [...this.sent.values()].map((v) => v.route).filter((r) => familyKey(r.nlri.afi, 1) === f);
    const messages: Uint8Array[] = [];
    const rr = (subtype: number) => encodeRouteRefresh({ type: 'ROUTE_REFRESH', afi: m.afi, safi: m.safi, subtype });
    if (neg.enhancedRouteRefresh) messages.push(rr(RouteRefreshSubtype.BORR));
    messages.push(...encodeLocalRoutes(routes, this.origin, neg.send));
    // Learnt paths come from the group's Adj-RIB-Out, as this peer was told them.
    if (this.group) messages.push(...this.group.messagesFor(this.name, m.afi));
    if (neg.enhancedRouteRefresh) messages.push(rr(RouteRefreshSubtype.EORR));
    this.updatesOut += messages.length;
    this.log.info({ family: f, routes: routes.length }, 'route refresh served');
    this.session.sendRaw(messages);
  }

  /** Session up: settle stale routes, send the initial table and End-of-RIB per family. */
  onEstablished(neg: Negotiated, table: readonly LocalRoute[], origin: OriginContext, group: UpdateGroup | null = null): void {
    this.negotiated = neg;
    this.eorReceived = new Set();
    this.overLimit = new Set();
    if (this.adjRibIn.stale > 0) {
      const gr = neg.peerGracefulRestart;
      for (const f of [IPV4_UNICAST, familyKey(2, 1)]) {
        // RFC 4724 §4.2: without the F bit the peer lost forwarding state: stale routes go now.
        if (!gr || !gr.forwarding.has(f) || !neg.families.has(f)) {
          const gone = this.adjRibIn.sweepStale(f);
          this.gone(gone);
          if (gone.length > 0) this.log.info({ family: f, routes: gone.length }, 'stale routes removed: peer did not preserve forwarding state');
        }
      }
      if (this.adjRibIn.stale > 0) this.armStaleTimer(STALE_WAIT_MS, 'End-of-RIB did not arrive in time');
    }
    const routes = table.filter((r) => neg.families.has(familyKey(r.nlri.afi, 1)));
    this.origin = origin;
    this.sent = new Map(routes.map((r) => [routeKey(r.nlri), { route: r, signature: communitySignature(r) }]));
    const messages = encodeLocalRoutes(routes, origin, neg.send);
    this.advertised = routes.length;
    // Learnt paths the propagation rules give this peer (its group's table), then End-of-RIB (RFC 4724 §2).
    this.group = group;
    if (group) messages.push(...group.join(this));
    this.updatesOut += messages.length;
    this.session.sendRaw(messages);
    const eor = [...neg.families].map((f) => encodeUpdate(endOfRib({ afi: f >>> 8, safi: f & 0xff }), neg.send));
    this.updatesOut += eor.length;
    this.session.sendRaw(eor);
  }

  /**
   * Our routes for this peer changed (a block came or went, policy or
   * communities changed): send only the difference to what it was told.
   */
  updateLocalRoutes(table: readonly LocalRoute[], origin: OriginContext): void {
    const neg = this.negotiated;
    if (!neg) return;
    const wanted = new Map(table.filter((r) => neg.families.has(familyKey(r.nlri.afi, 1))).map((r) => [routeKey(r.nlri), { route: r, signature: communitySignature(r) }]));
    const originChanged = originKey(origin) !== originKey(this.origin);
    const withdraw: Nlri[] = [];
    for (const [k, v] of this.sent) if (!wanted.has(k)) withdraw.push(v.route.nlri);
    const announce: LocalRoute[] = [];
    for (const [k, v] of wanted) {
      const old = this.sent.get(k);
      if (originChanged || !old || old.signature !== v.signature) announce.push(v.route);
    }
    const messages: Uint8Array[] = [];
    for (const afi of [1, 2]) {
      const w = withdraw.filter((n) => n.afi === afi);
      if (w.length > 0) messages.push(...packWithdrawals(w, neg.send, { afi, safi: 1 }));
    }
    messages.push(...encodeLocalRoutes(announce, origin, neg.send));
    this.sent = wanted;
    this.origin = origin;
    this.advertised = wanted.size;
    if (messages.length === 0) return;
    this.updatesOut += messages.length;
    this.session.sendRaw(messages);
  }

  onUpdate(decoded: Decoded): void {
    const u = decoded.message as UpdateMessage;
    this.updatesIn++;
    const eor = endOfRibFamily(u);
    if (eor) {
      const f = familyKey(eor.afi, eor.safi);
      this.eorReceived.add(f);
      const gone = this.adjRibIn.sweepStale(f);
      this.gone(gone);
      if (gone.length > 0) this.log.info({ family: f, routes: gone.length }, 'End-of-RIB: stale routes removed');
      if (this.adjRibIn.stale === 0) this.disarmStaleTimer();
      return;
    }
    this.gone(this.adjRibIn.withdraw(u.withdrawn));
    const reach = findAttribute(u.attributes, 'MP_REACH_NLRI');
    const unreach = findAttribute(u.attributes, 'MP_UNREACH_NLRI');
    if (unreach) this.gone(this.adjRibIn.withdraw(unreach.withdrawn));
    const announced: Nlri[] = [...u.nlri, ...(reach?.nlri ?? [])];
    if (decoded.action === 'treat-as-withdraw') {
      // RFC 7606 §2: every NLRI of the UPDATE is handled as withdrawn.
      this.gone(this.adjRibIn.withdraw(announced));
      return;
    }
    if (u.nlri.length > 0) {
      this.sink.announced(this.name, this.adjRibIn.announce(u.nlri, u.attributes, null));
      this.checkPrefixLimit(1);
    }
    if (reach && reach.nlri.length > 0) {
      this.sink.announced(this.name, this.adjRibIn.announce(reach.nlri, u.attributes, reach.nextHop));
      this.checkPrefixLimit(reach.afi);
    }
  }

  /** Session down: keep the routes stale if the peer restarts gracefully, else drop them. */
  onDown(graceful: boolean, restartTime: number): Nlri[] {
    this.negotiated = null;
    this.sent = new Map();
    this.group?.leave(this.name);
    this.group = null;
    this.advertised = 0;
    if (graceful && this.adjRibIn.size > 0) {
      const n = this.adjRibIn.markAllStale();
      this.log.info({ routes: n, restartTime }, 'graceful restart: keeping the peer\'s routes as stale');
      this.armStaleTimer(restartTime * 1000, 'the peer did not come back within its restart time');
      return [];
    }
    this.disarmStaleTimer();
    const gone = this.adjRibIn.clear();
    this.gone(gone);
    return gone;
  }

  /** The group delivers UPDATEs it encoded once for all its members. */
  deliver(messages: readonly Uint8Array[]): void {
    if (!this.negotiated) return;
    this.updatesOut += messages.length;
    this.session.sendRaw(messages);
  }

  /** Move to another update group (the peer's export settings changed): send the difference. */
  regroup(group: UpdateGroup): void {
    if (!this.negotiated || group === this.group) return;
    const before = new Map<RouteKey, OutRoute>();
    if (this.group) for (const r of this.group.routesFor(this.name)) before.set(routeKey(r.nlri), r);
    this.group?.leave(this.name);
    this.group = group;
    const dump = group.join(this);
    for (const r of group.routesFor(this.name)) before.delete(routeKey(r.nlri));
    // Encoded by the group, so an ADD-PATH session withdraws the path id it was sent.
    this.deliver([...group.withdrawalsOf([...before.values()].map((r) => r.nlri)), ...dump]);
  }

  /** Learnt paths as this peer was told them. */
  advertisedLearnt(): OutRoute[] {
    return this.group ? [...this.group.routesFor(this.name)] : [];
  }

  /** Our routes as this peer was told them, with the attributes' origin context. */
  advertisedRoutes(): { routes: LocalRoute[]; origin: OriginContext | null } {
    return { routes: [...this.sent.values()].map((v) => v.route), origin: this.origin };
  }

  get established(): boolean {
    return this.negotiated !== null;
  }

  private armStaleTimer(ms: number, why: string): void {
    this.disarmStaleTimer();
    this.staleTimer = this.timers.set(ms, () => {
      this.staleTimer = null;
      const gone = this.adjRibIn.sweepStale();
      this.gone(gone);
      if (gone.length > 0) this.log.warn({ routes: gone.length }, `stale routes removed: ${why}`);
    });
  }

  private disarmStaleTimer(): void {
    if (this.staleTimer !== null) this.timers.clear(this.staleTimer);
    this.staleTimer = null;
  }

  destroy(): void {
    this.disarmStaleTimer();
  }
}


/** Everything of the origin context that shows in the attributes we send. */
function originKey(o: OriginContext | null): string {
  return o ? `${o.localAs}|${o.internal}|${o.localPref}|${o.nextHopV4}|${o.nextHopV6 ? toHex(o.nextHopV6) : ''}` : '';
}
