/**
 * What Felix writes for each remote VXLAN tunnel endpoint, so that
 * `via <VTEP IP> dev vxlan.calico onlink` routes work without ARP or
 * flooding: a permanent neighbour entry (VTEP IP -> VTEP MAC) and a
 * permanent FDB entry on the device (VTEP MAC -> the node's IP).
 */
import type { Logger } from '../lib/logger.js';
import { formatIp } from './addr.js';
import { VXLAN_DEVICE } from './desired.js';
import type { Interfaces } from './interfaces.js';
import { RequestWriter, writeFdb, writeNeighbour } from './rtnl.js';

export interface VxlanNeighbour {
  readonly vtepIp: Uint8Array;
  readonly mac: Uint8Array;
  readonly nodeIp: Uint8Array;
}

/** Send a batch whose last request has `lastSeq`; errors by sequence number (null: some were lost). */
export type Exchange = (w: RequestWriter, lastSeq: number) => Map<number, { errno: number; message: string | null }> | null;

const keyOf = (n: VxlanNeighbour): string => `${formatIp(n.vtepIp)} ${[...n.mac].map((b) => b.toString(16).padStart(2, '0')).join(':')} ${formatIp(n.nodeIp)}`;

export class NeighbourTable {
  private wanted = new Map<string, VxlanNeighbour>();
  /** Written, with the ifindex they were written on. */
  private written = new Map<string, { n: VxlanNeighbour; ifindex: number }>();
  private missingSaid = false;
  private errorsSaid = new Set<string>();

  constructor(
    private readonly interfaces: Interfaces,
    private readonly exchange: Exchange,
    private readonly nextSeq: () => number,
    private readonly log: Logger,
  ) {}

  set(list: readonly VxlanNeighbour[]): void {
    this.wanted = new Map(list.map((n) => [keyOf(n), n]));
    this.sync();
  }

  /** Devices changed: write what is missing. */
  retry(): void {
    this.sync();
  }

  entries(): VxlanNeighbour[] {
    return [...this.written.values()].map((x) => x.n);
  }

  private sync(): void {
    const ifindex = this.interfaces.ifindex(VXLAN_DEVICE);
    const w = new RequestWriter();
    const ops: { key: string; add: boolean; n: VxlanNeighbour; ifindex: number; seq: number }[] = [];
    let last = 0;
    const push = (key: string, add: boolean, n: VxlanNeighbour, idx: number): void => {
      const seq = this.nextSeq();
      writeNeighbour(w, seq, !add, idx, n.vtepIp, n.mac);
      last = this.nextSeq();
      writeFdb(w, last, !add, idx, n.mac, n.nodeIp);
      ops.push({ key, add, n, ifindex: idx, seq });
    };
    for (const [key, x] of this.written) {
      // Gone from the wanted set, or the device was recreated (its entries went with it).
      if (!this.wanted.has(key) || x.ifindex !== ifindex) {
        if (x.ifindex === ifindex) push(key, false, x.n, x.ifindex);
        else this.written.delete(key);
      }
    }
    if (ifindex === null) {
      if (this.wanted.size > 0 && !this.missingSaid) {
        this.missingSaid = true;
        this.log.error({ device: VXLAN_DEVICE, neighbours: this.wanted.size }, `device ${VXLAN_DEVICE} does not exist: VXLAN neighbour and FDB entries wait for it`);
      }
    } else {
      this.missingSaid = false;
      for (const [key, n] of this.wanted) if (!this.written.has(key)) push(key, true, n, ifindex);
    }
    if (ops.length === 0) return;
    const errors = this.exchange(w, last);
    // Not sent, or the answers were lost: try again at the next change.
    if (errors === null) return;
    for (const op of ops) {
      const e1 = errors.get(op.seq);
      const e2 = errors.get(op.seq + 1);
      const err = [e1, e2].find((e) => e && !(op.add === false && e.errno === 2));
      if (err) {
        const what = `${op.add ? 'writing' : 'removing'} VXLAN neighbour ${formatIp(op.n.vtepIp)} / FDB entry to ${formatIp(op.n.nodeIp)}: ${err.message ?? ''} (errno ${err.errno})`;
        if (!this.errorsSaid.has(what)) {
          this.errorsSaid.add(what);
          this.log.error({}, what);
        }
        continue;
      }
      if (op.add) this.written.set(op.key, { n: op.n, ifindex: op.ifindex });
      else this.written.delete(op.key);
    }
  }
}
