/**
 * The kernel's interfaces and addresses as the FIB needs them: device names
 * to ifindex (tunl0, vxlan.calico, the NIC) and which interface holds the
 * node address. Kept current from RTM_*LINK and RTM_*ADDR messages.
 */
import { containsAddress } from './addr.js';

interface Link {
  name: string;
  up: boolean;
  addrs: { address: Uint8Array; prefixLen: number }[];
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** BIRD's interface glob (`*` any run, `?` one character). */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

export class Interfaces {
  private readonly links = new Map<number, Link>();
  private readonly byName = new Map<string, number>();

  /** A link appeared or changed; returns whether anything routing depends on changed. */
  link(ifindex: number, name: string, up: boolean, del: boolean): boolean {
    const old = this.links.get(ifindex);
    if (del) {
      if (!old) return false;
      this.links.delete(ifindex);
      if (this.byName.get(old.name) === ifindex) this.byName.delete(old.name);
      return true;
    }
    if (old && old.name === name && old.up === up) return false;
    if (old && old.name !== name && this.byName.get(old.name) === ifindex) this.byName.delete(old.name);
    this.links.set(ifindex, { name, up, addrs: old?.addrs ?? [] });
    this.byName.set(name, ifindex);
    return true;
  }

  addr(ifindex: number, address: Uint8Array, prefixLen: number, del: boolean): boolean {
    let l = this.links.get(ifindex);
    if (!l) {
      // Address before its link (dump order): keep it under a placeholder.
      l = { name: '', up: false, addrs: [] };
      this.links.set(ifindex, l);
    }
    const i = l.addrs.findIndex((a) => same(a.address, address) && a.prefixLen === prefixLen);
    if (del) {
      if (i < 0) return false;
      l.addrs.splice(i, 1);
      return true;
    }
    if (i >= 0) return false;
    l.addrs.push({ address, prefixLen });
    return true;
  }

  ifindex(name: string): number | null {
    return this.byName.get(name) ?? null;
  }

  name(ifindex: number): string | null {
    return this.links.get(ifindex)?.name || null;
  }

  /** The interface holding `address` (the node's NIC), unless its name matches an ignored glob. */
  holding(address: Uint8Array, ignored: readonly string[] = []): string | null {
    for (const l of this.links.values()) {
      if (!l.name || ignored.some((g) => globMatch(g, l.name))) continue;
      if (l.addrs.some((a) => same(a.address, address))) return l.name;
    }
    return null;
  }

  /** The interface with a subnet containing `address`. */
  connected(address: Uint8Array): string | null {
    for (const [ifindex, l] of this.links) if (this.connectedOn(ifindex, address)) return l.name;
    return null;
  }

  /** `address` is inside a subnet of an address on the interface (on link there). */
  connectedOn(ifindex: number, address: Uint8Array): boolean {
    const l = this.links.get(ifindex);
    if (!l) return false;
    return l.addrs.some((a) => {
      const p = a.address.length === 4
        ? { afi: 1 as const, addr: ((a.address[0]! << 24) | (a.address[1]! << 16) | (a.address[2]! << 8) | a.address[3]!) >>> 0, len: a.prefixLen }
        : { afi: 2 as const, addr: a.address, len: a.prefixLen };
      return containsAddress(p, address);
    });
  }
}
