/**
 * Felix's endpoint-status files (libcalico-go lib/epstatusfile): one JSON file
 * per local workload endpoint in `<prefix>/endpoint-status/`, named
 * `<orchestrator> <namespace%2Fpod> <endpoint>` (Felix's prefix is
 * /var/run/calico), holding
 *
 *   {"ifaceName": "cali…", "mac": "…", "ipv4Nets": ["10.65.0.7/32"],
 *    "ipv6Nets": ["fd00::7/128"], "bgpPeerName": "peer-name"}
 *
 * `bgpPeerName` is set when Felix's ActiveBGPPeerCalculator picked a BGPPeer
 * whose localWorkloadSelector matches the endpoint. confd's
 * LocalBGPPeerWatcher (confd/pkg/backends/calico/local_bgp_peer_watcher.go)
 * reads the directory; this module is the same reader: files without a
 * bgpPeerName are not peers, and a file that does not parse keeps the value
 * it had (Felix may be half-way through writing it) or is skipped if it never
 * parsed. The addresses are checked where confd checks them, in the
 * translation (translate/local-workloads.ts).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface EndpointStatus {
  /** The file's name in the directory. */
  readonly file: string;
  readonly ifaceName: string;
  readonly mac: string;
  readonly ipv4Nets: readonly string[];
  readonly ipv6Nets: readonly string[];
  /** The BGPPeer Felix selected for this endpoint; '' when none. */
  readonly bgpPeerName: string;
}

export type EndpointStatusParse = { readonly status: EndpointStatus } | { readonly problem: string };

const FIELDS = ['ifaceName', 'mac', 'ipv4Nets', 'ipv6Nets', 'bgpPeerName'] as const;

/**
 * One file's content, as Go's encoding/json reads it into
 * epstatusfile.WorkloadEndpointStatus: keys match case-insensitively, unknown
 * keys are ignored, null is an absent value, a value of the wrong type fails
 * the whole file.
 */
export function parseEndpointStatus(text: string, file: string): EndpointStatusParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problem: 'not a JSON object' };
  // Each key goes to the field it names, ignoring case; a later key overwrites an earlier one.
  const byField = new Map<string, unknown>();
  for (const [k, v] of Object.entries(raw)) {
    const field = FIELDS.find((f) => f.toLowerCase() === k.toLowerCase());
    if (field !== undefined) byField.set(field, v);
  }
  const str = (f: (typeof FIELDS)[number]): string | { problem: string } => {
    const v = byField.get(f);
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : { problem: `${f} is not a string` };
  };
  const list = (f: (typeof FIELDS)[number]): string[] | { problem: string } => {
    const v = byField.get(f);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return { problem: `${f} is not a list of strings` };
    return v as string[];
  };
  const ifaceName = str('ifaceName');
  const mac = str('mac');
  const bgpPeerName = str('bgpPeerName');
  const ipv4Nets = list('ipv4Nets');
  const ipv6Nets = list('ipv6Nets');
  for (const v of [ifaceName, mac, bgpPeerName, ipv4Nets, ipv6Nets]) {
    if (typeof v === 'object' && !Array.isArray(v)) return v;
  }
  return {
    status: {
      file,
      ifaceName: ifaceName as string,
      mac: mac as string,
      ipv4Nets: ipv4Nets as string[],
      ipv6Nets: ipv6Nets as string[],
      bgpPeerName: bgpPeerName as string,
    },
  };
}

export interface EndpointStatusSnapshot {
  /** Every file that parsed (or kept its previous value), sorted by file name. */
  readonly statuses: readonly EndpointStatus[];
  /** Files that did not parse, a missing directory. */
  readonly warnings: readonly string[];
}

/** Names, sizes and modification times of the directory's files ('missing' without the directory): a cheap change detector. */
export async function statusDirSignature(dir: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return 'missing';
  }
  const parts: string[] = [];
  for (const name of names) {
    try {
      const st = await stat(join(dir, name));
      if (st.isFile()) parts.push(`${name}:${st.ino}:${st.size}:${st.mtimeMs}`);
    } catch {
      // removed meanwhile
    }
  }
  return parts.join('|');
}

/**
 * Read every regular file in `dir`. `previous` is the last snapshot: a file
 * that fails to parse now keeps its previous value, as confd's watcher keeps
 * its cached status when an update cannot be read. A missing directory is no
 * endpoints (Felix creates it when it starts).
 */
export async function readEndpointStatusDir(dir: string, previous?: EndpointStatusSnapshot): Promise<EndpointStatusSnapshot> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => !d.isDirectory()).map((d) => d.name);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { statuses: [], warnings: [`endpoint-status directory ${dir}: ${code === 'ENOENT' ? 'does not exist (Felix creates it); no local workload peers' : (e as Error).message}`] };
  }
  names.sort();
  const before = new Map((previous?.statuses ?? []).map((s) => [s.file, s]));
  const statuses: EndpointStatus[] = [];
  const warnings: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      if (!(await stat(path)).isFile()) continue;
      text = await readFile(path, 'utf8');
    } catch {
      continue; // removed between the listing and the read
    }
    const parsed = parseEndpointStatus(text, name);
    if ('status' in parsed) {
      statuses.push(parsed.status);
      continue;
    }
    const kept = before.get(name);
    warnings.push(`endpoint-status file ${path}: ${parsed.problem}; ${kept ? 'keeping its previous content' : 'ignored'}`);
    if (kept) statuses.push(kept);
  }
  return { statuses, warnings };
}
