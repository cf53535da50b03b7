import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PathInfo } from '../../api/provider.js';
import { showRouteLine } from '../../api/bird-format.js';
import { loadResources, parseDatastoreUrl } from '../../calico/index.js';
import { daemonApiProvider } from '../../daemon/api-provider.js';
import { Daemon } from '../../daemon/daemon.js';
import { nullLogger } from '../../lib/logger.js';
import { formatStatus } from './status.js';
import { bytesEqual } from '../../lib/bytes.js';
import { fromHex, toHex } from '../../lib/hex.js';
import { parseIpv4, parseIpv6 } from '../../lib/prefix.js';
import {
  BgpError,
  ceaseWithCommunication,
  decodeContext,
  decodeMessage,
  encodeMessage,
  endOfRib,
  Framer,
  ipv4Nlri,
  ipv6Nlri,
  KEEPALIVE,
  makeOpen,
  messageToJson,
  packUpdates,
  packWithdrawals,
  type BgpMessage,
  type Json,
  type PathAttribute,
} from '../../wire/index.js';

/** What a Calico node (k8s-w1, AS 64512, 192.168.10.101) says to its mesh peers. */
function calicoConversation(): { title: string; bytes: Uint8Array }[] {
  const ctx = decodeContext({ fourOctetAs: true });
  const nodeIp = parseIpv4('192.168.10.101')!;
  const msg = (title: string, m: BgpMessage) => ({ title, bytes: encodeMessage(m, ctx) });
  const open = makeOpen({
    myAs: 64512,
    holdTime: 240,
    bgpId: nodeIp,
    capabilities: [
      { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 },
      { kind: 'MULTIPROTOCOL', afi: 2, safi: 1 },
      { kind: 'ROUTE_REFRESH' },
      { kind: 'ENHANCED_ROUTE_REFRESH' },
      { kind: 'GRACEFUL_RESTART', flags: 0, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80 }, { afi: 2, safi: 1, flags: 0x80 }] },
      { kind: 'FOUR_OCTET_AS', asn: 64512 },
      { kind: 'ADD_PATH', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
      { kind: 'FQDN', hostname: 'k8s-w1', domainName: '' },
    ],
  });
  const base: PathAttribute[] = [
    { kind: 'ORIGIN', origin: 0 },
    { kind: 'AS_PATH', segments: [] },
    { kind: 'NEXT_HOP', nextHop: nodeIp },
    { kind: 'LOCAL_PREF', localPref: 100 },
  ];
  const blocks = [0x00, 0x40, 0x80].map((o) => ipv4Nlri((parseIpv4('172.16.34.0')! + o) >>> 0, 26));
  const v6 = packUpdates(
    [{ kind: 'ORIGIN', origin: 0 }, { kind: 'AS_PATH', segments: [] }, { kind: 'LOCAL_PREF', localPref: 100 }],
    [ipv6Nlri(parseIpv6('fd00:10:244:22::')!, 122)],
    ctx,
    { afi: 2, safi: 1, nextHop: new Uint8Array([...parseIpv6('fd00:192:168:10::101')!, ...parseIpv6('fe80::a8c1:abff:fe22:1')!]) },
  );
  return [
    msg('OPEN: AS 64512, hold 240 s, IPv4+IPv6, route refresh, graceful restart 120 s, 4-octet AS, hostname', open),
    msg('KEEPALIVE', KEEPALIVE),
    { title: 'UPDATE: this node\'s three IPAM blocks (/26), next hop the node address', bytes: packUpdates(base, blocks, ctx)[0]! },
    { title: 'UPDATE: an IPv6 block in MP_REACH_NLRI with global + link-local next hop', bytes: v6[0]! },
    msg('UPDATE: End-of-RIB for IPv4 unicast (empty UPDATE)', endOfRib({ afi: 1, safi: 1 })),
    msg('UPDATE: End-of-RIB for IPv6 unicast (bare MP_UNREACH_NLRI)', endOfRib({ afi: 2, safi: 1 })),
    { title: 'UPDATE: a block released by IPAM is withdrawn', bytes: packWithdrawals([blocks[2]!], ctx)[0]! },
    msg('ROUTE-REFRESH: Beginning of Route Refresh for IPv4 unicast', { type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: 1 }),
    msg('NOTIFICATION: Cease / Administrative Shutdown with an RFC 9003 message', ceaseWithCommunication(2, 'node drained for kernel upgrade')),
  ];
}

/** An UPDATE from raw attribute and NLRI hex, lengths computed: how hostile inputs are written. */
function rawUpdate(attrsHex: string, nlriHex: string): string {
  const hex4 = (n: number) => n.toString(16).padStart(4, '0');
  const body = `0000${hex4(attrsHex.length / 2)}${attrsHex}${nlriHex}`;
  return `${'ff'.repeat(16)}${hex4(19 + body.length / 2)}02${body}`;
}

/** Inputs from the robustness reference, to show what petrel does with them. */
const VALID_TAIL = '400200' + '400304c0a80a65';
const HOSTILE: { title: string; hex: string }[] = [
  { title: 'ORIGIN with value 3 (RFC 7606 §7.1: treat-as-withdraw)', hex: rawUpdate('40010103' + VALID_TAIL, '1aac102200') },
  { title: 'COMMUNITIES of 5 bytes (RFC 7606 §7.8: treat-as-withdraw)', hex: rawUpdate('40010100' + VALID_TAIL + 'c00805ffff000100', '1aac102200') },
  { title: 'ATOMIC_AGGREGATE of length 1 (RFC 7606 §7.6: attribute discard)', hex: rawUpdate('40010100' + VALID_TAIL + '40060100', '1aac102200') },
  { title: 'unknown well-known attribute 0x7f (RFC 4271: session reset 3/2)', hex: rawUpdate('407f0100', '') },
  { title: 'IPv4 prefix length 33 (RFC 7606 §5.3: session reset 3/10)', hex: rawUpdate('40010100' + VALID_TAIL, '21ac10220000') },
  { title: 'marker byte 0 is not 0xff (RFC 4271 §6.1: session reset 1/1)', hex: '00' + 'ff'.repeat(15) + '001304' },
];

async function codecDemo(json: boolean, extra: Record<string, unknown>): Promise<number> {
  const ctx = decodeContext({ fourOctetAs: true, addPath: new Set() });
  const results: { title: string; hex: string; decoded: Json; byteExact: boolean }[] = [];
  for (const { title, bytes } of calicoConversation()) {
    const frames = new Framer().push(bytes);
    const decoded = decodeMessage(frames[0]!, ctx);
    const again = encodeMessage(decoded.message, ctx);
    results.push({ title, hex: toHex(bytes), decoded: messageToJson(decoded.message), byteExact: bytesEqual(again, bytes) });
  }
  const hostile: { title: string; hex: string; outcome: string }[] = [];
  for (const h of HOSTILE) {
    const bytes = fromHex(h.hex);
    let outcome: string;
    try {
      const frames = new Framer().push(bytes);
      const d = frames[0] ? decodeMessage(frames[0], ctx) : null;
      outcome = d ? `${d.action}${d.problems.map((p) => `: ${p.reason}`).join('')}` : 'incomplete message, waiting for more bytes';
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      outcome = `NOTIFICATION ${e.code}/${e.subcode} ${e.message}`;
    }
    hostile.push({ title: h.title, hex: h.hex, outcome });
  }
  if (json) {
    console.log(JSON.stringify({ ...extra, messages: results, hostile }, null, 2));
  } else {
    console.log('== The codec: what a Calico node says to its BGP peers, encoded, decoded and re-encoded\n');
    for (const r of results) {
      console.log(`== ${r.title}`);
      console.log(`   ${r.hex.replace(/(.{64})/g, '$1\n   ').trimEnd()}`);
      console.log(`   ${JSON.stringify(r.decoded)}`);
      console.log(`   re-encoded byte-exact: ${r.byteExact ? 'yes' : 'NO'}\n`);
    }
    console.log('Hostile input, answered as RFC 4271 / RFC 7606 require:\n');
    for (const h of hostile) console.log(`== ${h.title}\n   ${h.hex}\n   -> ${h.outcome}\n`);
  }
  return results.every((r) => r.byteExact) ? 0 : 1;
}

/**
 * The main job on the embedded default: three real daemons, one per node of
 * config/loopback-mesh.yaml, mesh over 127.0.0.0/8; each node's peers are
 * printed as `calicoctl node status` does and its learnt blocks as `birdc
 * show route` does. Then the codec's round trips and hostile-input answers.
 */
export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, 'codec-only': { type: 'boolean', default: false }, datastore: { type: 'string' } },
  });
  const extra: Record<string, unknown> = {};
  if (!values['codec-only']) {
    const file = values.datastore ? parseDatastoreUrl(values.datastore) : fileURLToPath(new URL('../../../config/loopback-mesh.yaml', import.meta.url));
    const mesh = await meshDemo(file, values.json);
    if (!mesh.ok) return 1;
    extra.mesh = mesh.report;
  }
  return codecDemo(values.json, extra);
}

async function meshDemo(file: string, json: boolean): Promise<{ ok: boolean; report: unknown }> {
  const nodes = [...loadResources(readFileSync(file, 'utf8'), file).nodes.keys()];
  const daemons = nodes.map((node) => new Daemon({ node, datastorePath: file, log: nullLogger, allowLoopbackNextHop: true }));
  if (!json) console.log(`== A Calico cluster of ${nodes.length} nodes on 127.0.0.0/8 (${file}): one petrel daemon per node\n`);
  try {
    for (const d of daemons) await d.start();
    const deadline = Date.now() + 20000;
    const meshed = () => daemons.every((d) => d.peers().length > 0 && d.peers().every((p) => p.state === 'Established' && p.stats.endOfRibReceived.length > 0));
    while (!meshed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const report = daemons.map((d) => {
      const provider = daemonApiProvider(d);
      const peers = provider.peers();
      const paths = provider.paths({ table: 'loc' }) as PathInfo[];
      return { node: d.desired!.node, address: d.desired!.nodeAddresses.ipv4?.ip ?? '', peers, paths };
    });
    if (!json) {
      const now = Date.now();
      for (const r of report) {
        console.log(`-- ${r.node} (${r.address})`);
        process.stdout.write(formatStatus(r.peers, { now, startedAt: now }));
        console.log('Routing table (birdc show route): its own block, and the blocks learnt from its peers');
        for (const p of r.paths) console.log(`  ${showRouteLine(p, { firstOfPrefix: true, table: 'loc', now })}`);
        console.log('');
      }
    }
    if (!meshed()) {
      console.error('petrel demo: the mesh did not come up within 20 s');
      return { ok: false, report };
    }
    return { ok: true, report };
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
  }
}
