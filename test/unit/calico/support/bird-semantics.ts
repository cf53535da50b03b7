/**
 * The meaning of a confd-rendered BIRD configuration for one family, in the
 * same vocabulary as petrel's desired state: sessions with their options,
 * BGPFilter rules as data, the export chain, the kernel chain, originated
 * blackholes and communities. Anything unexpected throws.
 */
import { parseCidr, parseIp } from '../../../../src/calico/address.js';
import type { ExportRule, FilterOperationJson, FilterRuleJson } from '../../../../src/calico/index.js';
import { parseBirdConfig, type BirdConfig, type BirdOption, type Expr, type Stmt } from './bird-config.js';

export interface BirdPeer {
  name: string;
  address: string;
  port: number | null;
  asNumber: number;
  localAsNumber: number | null;
  passive: boolean;
  routeReflectorClient: boolean;
  clusterId: string | null;
  password: boolean;
  gracefulRestartTime: number | null;
  keepaliveTime: number | null;
  ttlSecurity: boolean;
  multihop: number;
  nextHop: 'self' | 'keep' | 'auto';
  sourceAddress: string | null;
  allowLocalAs: number | null;
  importFilters: { name: string; rules: FilterRuleJson[] }[];
  exportFilters: { name: string; rules: FilterRuleJson[] }[];
  /** The argument of calico_export_to_bgp_peers. */
  internal: boolean;
}

export type KernelStatement =
  | { kind: 'reject'; prefix: string }
  | { kind: 'accept'; prefix: string; tunnel: 'tunl0' | 'crosssubnet' | null; subnet: string | null }
  | { kind: 'rejectNextHop'; nextHop: string };

export interface BirdFamily {
  routerId: string | null;
  listen: { address: string | null; port: number | null };
  /** False when the file says "# IPvN disabled on this node" (no bgp_template). */
  enabled: boolean;
  asNumber: number | null;
  peers: BirdPeer[];
  exportChain: ExportRule[];
  kernelChain: KernelStatement[];
  blackholes: string[];
  staticVia: { prefix: string; via: string }[];
  communities: { prefix: string; communities: string[]; largeCommunities: string[] }[];
}

const canon = (p: string): string => {
  const c = parseCidr(p);
  if (c === null) throw new Error(`not a prefix: ${p}`);
  return c.text;
};
const canonIp = (a: string): string => {
  const ip = parseIp(a);
  if (ip === null) throw new Error(`not an address: ${a}`);
  return ip.text;
};

function word(e: Expr): string {
  if (e.t === 'word' || e.t === 'sym' || e.t === 'str') return e.v;
  throw new Error(`expected a word, got ${JSON.stringify(e)}`);
}

function conjuncts(e: Expr): Expr[] {
  return e.t === 'bin' && e.op === '&&' ? [...conjuncts(e.l), ...conjuncts(e.r)] : [e];
}

function tupleText(e: Expr): string {
  if (e.t !== 'tuple') throw new Error(`expected a community tuple, got ${JSON.stringify(e)}`);
  return e.items.map(word).join(':');
}

const OPS: Record<string, FilterRuleJson['matchOperator']> = { '~': 'In', '!~': 'NotIn', '=': 'Equal', '!=': 'NotEqual' };

/** One `if (conditions) then { ops; accept|reject; }` of a BGPFilter function, as a rule. */
function ruleFrom(cond: Expr | null, body: Stmt[], peerType: FilterRuleJson['peerType']): FilterRuleJson {
  const rule: FilterRuleJson = {
    action: 'accept',
    matchOperator: null,
    cidr: null,
    prefixLength: null,
    source: null,
    interface: null,
    peerType,
    communities: null,
    asPathPrefix: null,
    priority: null,
    operations: [],
  };
  for (const atom of cond ? conjuncts(cond) : []) {
    if (atom.t === 'call' && atom.fn === 'defined') continue; // guards of the next atom
    if (atom.t !== 'bin') throw new Error(`unknown filter condition ${JSON.stringify(atom)}`);
    const l = atom.l;
    const r = atom.r;
    if (l.t === 'word' && l.v === 'net' && OPS[atom.op]) {
      rule.matchOperator = OPS[atom.op]!;
      if (r.t === 'set' && r.items.length === 1 && r.items[0]!.t === 'prefixRange') {
        rule.cidr = canon(r.items[0]!.prefix);
        rule.prefixLength = { min: r.items[0]!.min, max: r.items[0]!.max };
      } else rule.cidr = canon(word(r));
    } else if (l.t === 'word' && l.v === 'source' && atom.op === '~' && r.t === 'set' && r.items.length === 1 && word(r.items[0]!) === 'RTS_BGP') {
      rule.source = 'RemotePeers';
    } else if (l.t === 'word' && l.v === 'ifname' && atom.op === '~') {
      rule.interface = word(r);
    } else if (l.t === 'tuple' && atom.op === '~' && r.t === 'word' && (r.v === 'bgp_community' || r.v === 'bgp_large_community')) {
      rule.communities = [tupleText(l)];
    } else if (l.t === 'word' && l.v === 'bgp_path' && atom.op === '~' && r.t === 'pathmask') {
      if (r.items.at(-1) !== '*') throw new Error(`unexpected AS path mask ${r.items.join(' ')}`);
      rule.asPathPrefix = r.items.slice(0, -1).map(Number);
    } else if (l.t === 'word' && l.v === 'bgp_path.first' && atom.op === '=') {
      rule.asPathPrefix = [Number(word(r))];
    } else if (l.t === 'word' && l.v === 'krt_metric' && atom.op === '=') {
      rule.priority = Number(word(r));
    } else if (l.t === 'word' && l.v === 'bgp_local_pref' && atom.op === '=' && r.t === 'bin' && r.op === '-') {
      rule.priority = Number(word(r.r)); // bgp_local_pref = 2147483647 - priority
    } else throw new Error(`unknown filter condition ${JSON.stringify(atom)}`);
  }
  let prepends: number[] = [];
  const flush = (): void => {
    if (prepends.length > 0) rule.operations.push({ prependASPath: prepends.reverse() } as FilterOperationJson);
    prepends = [];
  };
  let ended = false;
  for (const s of body) {
    if (ended) throw new Error('statement after accept/reject in a filter rule');
    if (s.t === 'accept' || s.t === 'reject') {
      flush();
      rule.action = s.t;
      ended = true;
    } else if (s.t === 'expr' && s.e.t === 'call' && (s.e.fn === 'bgp_community.add' || s.e.fn === 'bgp_large_community.add')) {
      flush();
      rule.operations.push({ addCommunity: tupleText(s.e.args[0]!) });
    } else if (s.t === 'expr' && s.e.t === 'call' && s.e.fn === 'bgp_path.prepend') {
      prepends.push(Number(word(s.e.args[0]!)));
    } else if (s.t === 'assign' && s.name === 'krt_metric') {
      flush();
      rule.operations.push({ setPriority: Number(word(s.value)) });
    } else throw new Error(`unknown filter statement ${JSON.stringify(s)}`);
  }
  if (!ended) throw new Error('filter rule without accept or reject');
  return rule;
}

function filterFunctionRules(body: Stmt[]): FilterRuleJson[] {
  const out: FilterRuleJson[] = [];
  let pending: Stmt[] = [];
  const walk = (stmts: Stmt[], peerType: FilterRuleJson['peerType']): void => {
    for (const s of stmts) {
      if (s.t === 'if' && s.cond.t === 'word' && s.cond.v === 'is_same_as') walk(s.then, 'iBGP');
      else if (s.t === 'if' && s.cond.t === 'not' && s.cond.e.t === 'word' && s.cond.e.v === 'is_same_as') walk(s.then, 'eBGP');
      else if (s.t === 'if') {
        if (s.else.length > 0) throw new Error('else in a BGPFilter rule');
        out.push(ruleFrom(s.cond, s.then, peerType));
      } else {
        pending.push(s);
        if (s.t === 'accept' || s.t === 'reject') {
          out.push(ruleFrom(null, pending, peerType));
          pending = [];
        }
      }
    }
  };
  walk(body, null);
  if (pending.length > 0) throw new Error('operations without accept/reject at the end of a filter function');
  return out;
}

function opt(opts: BirdOption[], ...head: string[]): string[] | undefined {
  const o = opts.find((x) => head.every((h, i) => x.words[i] === h));
  return o?.words.slice(head.length);
}

function peerFrom(cfg: BirdConfig, name: string, opts: BirdOption[]): BirdPeer {
  const nb = opt(opts, 'neighbor');
  if (!nb) throw new Error(`${name}: no neighbor`);
  const address = canonIp(nb[0]!);
  const portAt = nb.indexOf('port');
  const asAt = nb.indexOf('as');
  const ttl = opt(opts, 'ttl', 'security');
  const multihop = opt(opts, 'multihop');
  const nextHop = opt(opts, 'next', 'hop');
  const calls = (f: Stmt[] | undefined): { names: string[]; internal: boolean | null } => {
    const names: string[] = [];
    let internal: boolean | null = null;
    for (const s of f ?? []) {
      if (s.t === 'expr' && s.e.t === 'call') {
        if (s.e.fn === 'calico_export_to_bgp_peers') internal = word(s.e.args[0]!) === 'true';
        else names.push(s.e.fn);
      }
    }
    return { names, internal };
  };
  const imp = calls(opts.find((o) => o.words.join(' ') === 'import filter')?.filter);
  const exp = calls(opts.find((o) => o.words.join(' ') === 'export filter')?.filter);
  if (exp.internal === null) throw new Error(`${name}: export filter does not call calico_export_to_bgp_peers`);
  const resolve = (fn: string) => {
    const m = /^bgp_(.+)_(import|export)FilterV[46]$/.exec(fn);
    const f = cfg.functions.get(fn);
    if (!m || !f) throw new Error(`${name}: unknown filter function ${fn}`);
    return { name: m[1]!, rules: filterFunctionRules(f.body) };
  };
  const num = (w: string[] | undefined): number | null => (w && w[0] !== undefined ? Number(w[0]) : null);
  return {
    name,
    address,
    port: portAt >= 0 ? Number(nb[portAt + 1]) : null,
    asNumber: Number(nb[asAt + 1]),
    localAsNumber: num(opt(opts, 'local', 'as')),
    passive: opt(opts, 'passive')?.[0] === 'on',
    routeReflectorClient: opt(opts, 'rr', 'client') !== undefined,
    clusterId: opt(opts, 'rr', 'cluster', 'id')?.[0] ?? null,
    password: opt(opts, 'password') !== undefined,
    gracefulRestartTime: num(opt(opts, 'graceful', 'restart', 'time')),
    keepaliveTime: num(opt(opts, 'keepalive', 'time')),
    ttlSecurity: ttl?.[0] === 'on',
    multihop: multihop && multihop.length > 0 ? Number(multihop[0]) : 64,
    nextHop: nextHop?.[0] === 'self' ? 'self' : nextHop?.[0] === 'keep' ? 'keep' : 'auto',
    sourceAddress: opt(opts, 'source', 'address')?.[0] !== undefined ? canonIp(opt(opts, 'source', 'address')![0]!) : null,
    allowLocalAs: num(opt(opts, 'allow', 'local', 'as')),
    importFilters: imp.names.map(resolve),
    exportFilters: exp.names.map(resolve),
    internal: exp.internal,
  };
}

function ifnameDisjunction(e: Expr): string[] {
  if (e.t === 'bin' && e.op === '||') return [...ifnameDisjunction(e.l), ...ifnameDisjunction(e.r)];
  if (e.t === 'bin' && e.op === '~' && e.l.t === 'word' && e.l.v === 'ifname') return [word(e.r)];
  throw new Error(`expected ifname matches, got ${JSON.stringify(e)}`);
}

const isCall = (s: Stmt, fn: string): boolean => s.t === 'expr' && s.e.t === 'call' && s.e.fn === fn;
const netTest = (e: Expr, op: string): string | null => (e.t === 'bin' && e.op === op && e.l.t === 'word' && e.l.v === 'net' ? canon(word(e.r)) : null);

function exportChain(cfg: BirdConfig, body: Stmt[], internalOnly: boolean): ExportRule[] {
  const out: ExportRule[] = [];
  for (const s of body) {
    if (s.t === 'if' && s.cond.t === 'word' && s.cond.v === 'internal_peer') out.push(...exportChain(cfg, s.then, true));
    else if (s.t === 'if' && s.cond.t === 'call' && s.cond.fn === 'defined' && word(s.cond.args[0]!) === 'ifname') {
      const inner = s.then[0];
      if (s.then.length !== 1 || inner?.t !== 'if' || inner.then[0]?.t !== 'reject') throw new Error('unexpected ifname block in the export function');
      out.push({ rule: 'rejectInterfaces', internalOnly, interfaces: ifnameDisjunction(inner.cond) });
    } else if (s.t === 'if' && netTest(s.cond, '~') && s.then.length === 1 && (s.then[0]!.t === 'accept' || s.then[0]!.t === 'reject')) {
      const prefix = netTest(s.cond, '~')!;
      out.push(s.then[0]!.t === 'reject' ? { rule: 'rejectPrefix', prefix } : { rule: 'acceptPrefix', prefix, reason: 'pool' });
    } else if (isCall(s, 'apply_communities')) out.push({ rule: 'applyCommunities' });
    else if (isCall(s, 'reject_local_routes') || isCall(s, 'calico_aggr')) {
      const fn = (s as { e: { fn: string } }).e.fn;
      const f = cfg.functions.get(fn);
      if (!f) throw new Error(`missing function ${fn}`);
      out.push(...(fn === 'calico_aggr' ? aggrBlocks(f.body).map((prefix): ExportRule => ({ rule: 'block', prefix })) : exportChain(cfg, f.body, internalOnly)));
    } else throw new Error(`unknown export statement ${JSON.stringify(s)}`);
  }
  return out;
}

/** calico_aggr: per block, `net = B` accept; `net ~ B && krt_metric < N` accept; `net ~ B` reject. */
function aggrBlocks(body: Stmt[]): string[] {
  if (body.length % 3 !== 0) throw new Error('calico_aggr is not made of 3-statement blocks');
  const out: string[] = [];
  for (let i = 0; i < body.length; i += 3) {
    const [a, b, c] = [body[i]!, body[i + 1]!, body[i + 2]!];
    if (a.t !== 'if' || b.t !== 'if' || c.t !== 'if') throw new Error('calico_aggr statement is not an if');
    const block = netTest(a.cond, '=');
    const inner = b.cond.t === 'bin' && b.cond.op === '&&' ? netTest(b.cond.l, '~') : null;
    if (!block || inner !== block || netTest(c.cond, '~') !== block || a.then[0]?.t !== 'accept' || b.then[0]?.t !== 'accept' || c.then[0]?.t !== 'reject') {
      throw new Error(`unexpected calico_aggr block at ${i}`);
    }
    out.push(block);
  }
  return out;
}

function kernelChain(body: Stmt[]): KernelStatement[] {
  const out: KernelStatement[] = [];
  for (const s of body) {
    if (s.t === 'accept') continue; // the final accept
    if (s.t !== 'if') throw new Error(`unknown kernel statement ${JSON.stringify(s)}`);
    if (s.cond.t === 'bin' && s.cond.op === '&&' && s.then.some((x) => x.t === 'assign' && x.name === 'krt_metric')) continue; // metric/preference from local_pref
    const prefix = netTest(s.cond, '~');
    if (prefix && s.then.length === 1 && s.then[0]!.t === 'reject') out.push({ kind: 'reject', prefix });
    else if (prefix && s.then.at(-1)?.t === 'accept') {
      const first = s.then[0]!;
      if (s.then.length === 1) out.push({ kind: 'accept', prefix, tunnel: null, subnet: null });
      else if (first.t === 'assign' && first.name === 'krt_tunnel') out.push({ kind: 'accept', prefix, tunnel: word(first.value) === 'tunl0' ? 'tunl0' : null, subnet: null });
      else if (first.t === 'if' && first.cond.t === 'bin' && first.cond.op === '&&') {
        const sub = first.cond.r;
        if (sub.t !== 'bin' || sub.op !== '~') throw new Error('unexpected CrossSubnet test');
        out.push({ kind: 'accept', prefix, tunnel: 'crosssubnet', subnet: canon(word(sub.r)) });
      } else throw new Error(`unknown kernel pool statement ${JSON.stringify(s)}`);
    } else if (s.cond.t === 'bin' && s.cond.op === '&&' && s.cond.r.t === 'bin' && s.cond.r.op === '=' && s.then[0]?.t === 'reject') {
      out.push({ kind: 'rejectNextHop', nextHop: canonIp(word(s.cond.r.r)) });
    } else throw new Error(`unknown kernel statement ${JSON.stringify(s)}`);
  }
  return out;
}

function communitiesOf(cfg: BirdConfig): BirdFamily['communities'] {
  const f = cfg.functions.get('apply_communities');
  if (!f) throw new Error('no apply_communities');
  return f.body.map((s) => {
    const prefix = s.t === 'if' ? netTest(s.cond, '~') : null;
    if (!prefix || s.t !== 'if') throw new Error(`unknown communities statement ${JSON.stringify(s)}`);
    const std: string[] = [];
    const large: string[] = [];
    for (const op of s.then) {
      if (op.t === 'expr' && op.e.t === 'call' && op.e.fn === 'bgp_community.add') std.push(tupleText(op.e.args[0]!));
      else if (op.t === 'expr' && op.e.t === 'call' && op.e.fn === 'bgp_large_community.add') large.push(tupleText(op.e.args[0]!));
      else throw new Error('unknown community operation');
    }
    return { prefix, communities: std, largeCommunities: large };
  });
}

/** Read bird(6).cfg, bird(6)_aggr.cfg and bird(6)_ipam.cfg of one family. */
export function birdFamily(mainCfg: string, aggrCfg: string, ipamCfg: string): BirdFamily {
  const cfg = parseBirdConfig(mainCfg, aggrCfg, ipamCfg);
  const routerId = cfg.statements.find((w) => w[0] === 'router' && w[1] === 'id')?.[2] ?? null;
  const listenWords = cfg.statements.find((w) => w[0] === 'listen' && w[1] === 'bgp');
  const listen = { address: null as string | null, port: null as number | null };
  if (listenWords) {
    const a = listenWords.indexOf('address');
    const p = listenWords.indexOf('port');
    if (a >= 0) listen.address = canonIp(listenWords[a + 1]!);
    if (p >= 0) listen.port = Number(listenWords[p + 1]);
  }
  const template = cfg.protocols.find((p) => p.kind === 'template' && p.type === 'bgp');
  const asNumber = template ? Number(opt(template.options, 'local', 'as')?.[0]) : null;
  const peers = cfg.protocols.filter((p) => p.kind === 'protocol' && p.type === 'bgp').map((p) => peerFrom(cfg, p.name!, p.options));
  const exportFn = cfg.functions.get('calico_export_to_bgp_peers');
  const kernelFilter = cfg.filters.get('calico_kernel_programming');
  if (!exportFn || !kernelFilter) throw new Error('missing calico_export_to_bgp_peers or calico_kernel_programming');
  const staticTpl = cfg.protocols.find((p) => p.kind === 'template' && p.type === 'static');
  const blackholes: string[] = [];
  const staticVia: BirdFamily['staticVia'] = [];
  for (const o of staticTpl?.options ?? []) {
    if (o.words[0] !== 'route') throw new Error(`unknown static option ${o.words.join(' ')}`);
    if (o.words[2] === 'blackhole') blackholes.push(canon(o.words[1]!));
    else if (o.words[2] === 'via') staticVia.push({ prefix: canon(o.words[1]!), via: canonIp(o.words[3]!) });
    else throw new Error(`unknown static route ${o.words.join(' ')}`);
  }
  return {
    routerId,
    listen,
    enabled: template !== undefined,
    asNumber,
    peers,
    exportChain: exportChain(cfg, exportFn.body, false),
    kernelChain: kernelChain(kernelFilter),
    blackholes,
    staticVia,
    communities: communitiesOf(cfg),
  };
}
