import net from 'node:net';
import type { Logger } from '../lib/logger.js';
import { canonicalAddress, isIpv6 } from './address.js';
import { fdOf, saveSyn, savedSynTtl, setMd5Key, setMinTtl, setTtl } from './sockopt.js';

export interface PeerAcceptOptions {
  /** RFC 2385 key; the kernel then drops unsigned or wrongly signed SYNs from this peer. */
  readonly md5Key?: string;
  /** GTSM (RFC 5082): minimum TTL of packets from this peer. */
  readonly minTtl?: number;
}

interface Registration extends PeerAcceptOptions {
  readonly onAccept: (socket: net.Socket) => void;
}

/**
 * The BGP listener (port 179 by default): one socket per address family
 * that has peers. Only configured peers are accepted; any other source is
 * closed before OPEN and logged (RFC 4271 §8, bgp-robustness §4).
 */
export class Listener {
  private readonly servers = new Map<4 | 6, net.Server>();
  private readonly peers = new Map<string, Registration>();
  private readonly rejected = new Map<string, number>();
  /** Families whose listener is prepared for GTSM peers. */
  private readonly gtsm = new Set<4 | 6>();

  constructor(
    private readonly port: number,
    private readonly log: Logger,
    /** Bind addresses per family (Calico bindMode: NodeIP); unspecified means all. */
    private readonly bind: { readonly v4?: string; readonly v6?: string } = {},
  ) {}

  /** The port actually bound (useful with port 0 in tests). */
  boundPort(family: 4 | 6): number | null {
    const a = this.servers.get(family)?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  async addPeer(address: string, options: PeerAcceptOptions, onAccept: (socket: net.Socket) => void): Promise<void> {
    const key = canonicalAddress(address);
    const family = isIpv6(key) ? 6 : 4;
    const server = await this.serverFor(family);
    const previous = this.peers.get(key);
    if (options.md5Key || previous?.md5Key) setMd5Key(fdOf(server), key, options.md5Key ?? null);
    if (options.minTtl !== undefined && !this.gtsm.has(family)) {
      // RFC 5082: our SYN-ACK leaves with the listening socket's TTL, so it must
      // already be 255; and the SYN is kept so its TTL can be checked on accept.
      const fd = fdOf(server);
      setTtl(fd, family === 6, 255);
      saveSyn(fd);
      this.gtsm.add(family);
    }
    this.peers.set(key, { ...options, onAccept });
  }

  /** Unregister; with `onAccept`, only if that handler still owns the address (a replacement may have registered since). */
  removePeer(address: string, onAccept?: (socket: net.Socket) => void): void {
    const key = canonicalAddress(address);
    const reg = this.peers.get(key);
    if (!reg || (onAccept !== undefined && reg.onAccept !== onAccept)) return;
    this.peers.delete(key);
    const server = this.servers.get(isIpv6(key) ? 6 : 4);
    if (reg.md5Key && server) setMd5Key(fdOf(server), key, null);
  }

  private async serverFor(family: 4 | 6): Promise<net.Server> {
    const existing = this.servers.get(family);
    if (existing) return existing;
    const server = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    const host = family === 6 ? (this.bind.v6 ?? '::') : (this.bind.v4 ?? '0.0.0.0');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: this.port, ipv6Only: family === 6, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log.error({ err: e.message }, 'listener error'));
    this.servers.set(family, server);
    this.log.info({ address: host, port: this.boundPort(family) }, 'listening for BGP connections');
    return server;
  }

  private onConnection(socket: net.Socket): void {
    const from = canonicalAddress(socket.remoteAddress ?? '');
    const reg = this.peers.get(from);
    if (!reg) {
      // Count rejections per source so a scanner cannot flood the log.
      const n = (this.rejected.get(from) ?? 0) + 1;
      this.rejected.set(from, n);
      if (n === 1 || Number.isInteger(Math.log10(n))) this.log.warn({ from, count: n }, 'connection from an unconfigured peer closed');
      socket.destroy();
      return;
    }
    if (reg.minTtl !== undefined) {
      try {
        const fd = fdOf(socket);
        // The connection is judged by its SYN; IP_MINTTL then guards every later segment.
        const ttl = savedSynTtl(fd);
        if (ttl === null || ttl < reg.minTtl) {
          this.log.warn({ from, ttl, minTtl: reg.minTtl }, 'connection refused by TTL security (GTSM)');
          socket.destroy();
          return;
        }
        setMinTtl(fd, isIpv6(from), reg.minTtl);
      } catch (e) {
        this.log.error({ from, err: (e as Error).message }, 'cannot apply TTL security; connection closed');
        socket.destroy();
        return;
      }
    }
    reg.onAccept(socket);
  }

  async close(): Promise<void> {
    const closing = [...this.servers.values()].map((s) => new Promise<void>((r) => s.close(() => r())));
    this.servers.clear();
    await Promise.all(closing);
  }
}
