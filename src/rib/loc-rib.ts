import type { Nlri } from '../wire/nlri.js';
import { comparePaths, type DecisionOptions, type DecisionStep, type Path } from './decision.js';
import { routeKey, type RouteKey } from './route-key.js';

/** Identity of a path within a prefix: its source and ADD-PATH id. */
export function sourceKey(p: Path): string {
  let k = sourceKeys.get(p.source);
  if (k === undefined) {
    k = p.source.kind === 'bgp' ? `bgp:${p.source.peer}` : `${p.source.kind}:${p.source.name}`;
    sourceKeys.set(p.source, k);
  }
  return k;
}
/** Sources are shared by every path of a peer: their key is built once. */
const sourceKeys = new WeakMap<object, string>();

interface Entry {
  /** The prefix, path id 0. */
  readonly prefix: Nlri;
  paths: Path[];
  best: Path | null;
  /** The ECMP set when it has more than the best path; null means just [best] (no array per prefix). */
  multipath: Path[] | null;
}

/** What a change did to a prefix's selection: input for propagation and the FIB. */
export interface BestChange {
  readonly prefix: Nlri;
  readonly before: Path | null;
  readonly after: Path | null;
  /** The ECMP set when it holds more than the best path; null: just the best (no array per change). */
  readonly multipath: readonly Path[] | null;
}

export interface RankedPath {
  readonly path: Path;
  readonly best: boolean;
  /** In the multipath (ECMP) set with the best path. */
  readonly multipath: boolean;
  /** The step at which it lost to the best path; null for the best. */
  readonly lostAt: DecisionStep | null;
}

const asPrefix = (n: Nlri): Nlri => (n.pathId === 0 ? n : { ...n, pathId: 0 });

/**
 * The Loc-RIB (RFC 4271 §3.2): every usable path per prefix, the best one
 * chosen by the decision process and the set of paths equal enough to
 * share forwarding (ECMP). Prefixes are keyed by number for IPv4.
 */
export class LocRib {
  private readonly entries = new Map<RouteKey, Entry>();

  constructor(private readonly options: DecisionOptions = {}) {}

  get size(): number {
    return this.entries.size;
  }

  /** Add a path, or replace the one with the same source and path id. */
  update(prefix: Nlri, path: Path): BestChange | null {
    const p = asPrefix(prefix);
    const key = routeKey(p);
    let e = this.entries.get(key);
    if (!e) {
      e = { prefix: p, paths: [], best: null, multipath: null };
      this.entries.set(key, e);
    }
    const sk = sourceKey(path);
    const i = e.paths.findIndex((x) => x.pathId === path.pathId && sourceKey(x) === sk);
    if (i >= 0) e.paths[i] = path;
    else e.paths.push(path);
    return this.select(key, e);
  }

  /** Remove the path of one source (and path id) from a prefix. */
  withdraw(prefix: Nlri, source: string, pathId: number): BestChange | null {
    const p = asPrefix(prefix);
    const key = routeKey(p);
    const e = this.entries.get(key);
    if (!e) return null;
    const i = e.paths.findIndex((x) => x.pathId === pathId && sourceKey(x) === source);
    if (i < 0) return null;
    e.paths.splice(i, 1);
    return this.select(key, e);
  }

  private select(key: RouteKey, e: Entry): BestChange | null {
    const before = e.best;
    const beforeMulti = e.multipath;
    let best: Path | null = null;
    for (const p of e.paths) if (best === null || comparePaths(p, best, this.options).order < 0) best = p;
    let multipath: Path[] | null = null;
    if (best !== null && e.paths.length > 1) {
      const m = e.paths.filter((p) => p === best || (p.source.kind === 'bgp' && best!.source.kind === 'bgp' && comparePaths(best!, p, this.options, true).order === 0));
      if (m.length > 1) multipath = m;
    }
    e.best = best;
    e.multipath = multipath;
    if (best === null) this.entries.delete(key);
    const sameMulti = multipath === beforeMulti || (multipath !== null && beforeMulti !== null && multipath.length === beforeMulti.length && multipath.every((p, i) => p === beforeMulti[i]));
    if (before === best && sameMulti) return null;
    return { prefix: e.prefix, before, after: best, multipath };
  }

  best(prefix: Nlri): Path | null {
    return this.entries.get(routeKey(asPrefix(prefix)))?.best ?? null;
  }

  multipath(prefix: Nlri): readonly Path[] {
    const e = this.entries.get(routeKey(asPrefix(prefix)));
    return e ? (e.multipath ?? (e.best ? [e.best] : [])) : [];
  }

  /** Every prefix with its paths, best first, each loser with the step it lost at. */
  *ranked(): IterableIterator<{ prefix: Nlri; paths: RankedPath[] }> {
    for (const e of this.entries.values()) {
      const best = e.best!;
      const sorted = [...e.paths].sort((a, b) => comparePaths(a, b, this.options).order);
      yield {
        prefix: e.prefix,
        paths: sorted.map((path) => ({
          path,
          best: path === best,
          multipath: e.multipath ? e.multipath.includes(path) : path === best,
          lostAt: path === best ? null : comparePaths(best, path, this.options).step,
        })),
      };
    }
  }
}
