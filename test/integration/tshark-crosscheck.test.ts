/**
 * Independent decoder cross-check: every message below is encoded by
 * petrel, dissected by Wireshark's BGP dissector (tshark, one run over one
 * pcap), and decoded back by petrel. The test proves the three agree: each
 * field tshark shows equals what petrel was asked to encode, tshark reports
 * no malformed packet or expert error, and petrel's decoder returns the
 * same message (and re-encodes it to the same bytes).
 *
 * Expected values are computed here from the message objects with helpers
 * of this file only (address parsing, lengths, codes), never with petrel's
 * formatters, so a shared mistake cannot cancel out.
 *
 * tshark 4.0 limitations this file works around (and asserts):
 * - ADD-PATH: tshark has no preference to force path identifiers (its only
 *   BGP preferences are bgp.desegment and bgp.asn_len); it guesses per NLRI
 *   block (detect_add_path_prefix46: path ids only when the block does not
 *   also parse as plain prefixes). Path ids here are chosen so the guess is
 *   unambiguous (0x000000xx with xx above the family's maximum prefix
 *   length), and the test asserts tshark does show them. The same guess
 *   takes a 0-length prefix that is not alone in its block for a path id,
 *   so ::/0 is sent in a message of its own.
 * - AS number size: bgp.asn_len is left on auto-detect; the test asserts
 *   tshark picked 2-octet (as2) or 4-octet (as4) fields as negotiated.
 * - Not dissected by 4.0 (shown as unknown bytes): LLGR and BGP Role
 *   capabilities, ONLY_TO_CUSTOMER, IPv6 Address Specific Extended
 *   Community. For those the bytes tshark delimits as the capability or
 *   attribute (`-x` raw data) are checked and parsed here.
 * - RFC 9072 extended optional parameters: 4.0 reads the OPEN with the
 *   RFC 4271 layout (parameter type 255 of length 0, then garbage) and
 *   reports it malformed; asserted as such.
 * - RFC 8654 extended messages: 4.0 flags any BGP length over 4096 as
 *   invalid and stops; asserted as such (petrel's decoder still checks it).
 */
import assert from 'node:assert/strict';
import * as W from '../../src/wire/index.js';
import {
  dissect,
  dissectionErrors,
  field,
  fieldValues,
  has,
  items,
  number,
  numbers,
  tsharkVersion,
  type DissectedPacket,
  type TsharkTree,
} from '../support/tshark.js';

// ---------------------------------------------------------------- helpers (independent of petrel)

function ip4(text: string): number {
  const p = text.split('.').map(Number);
  assert.equal(p.length, 4, `not an IPv4 address: ${text}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function ip6(text: string): Uint8Array {
  const halves = text.split('::');
  assert.ok(halves.length <= 2, `not an IPv6 address: ${text}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  assert.equal(groups.length, 8, `not an IPv6 address: ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >>> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** tshark prints byte fields as "de:ad:be:ef". */
function colonHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}
function u24(b: Uint8Array, at: number): number {
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}
function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Capability codes (IANA), written out here rather than taken from petrel. */
const CAP_CODE: Record<Exclude<W.Capability['kind'], 'UNKNOWN'>, number> = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  BGP_ROLE: 9,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LONG_LIVED_GRACEFUL_RESTART: 71,
  FQDN: 73,
};

function capCode(c: W.Capability): number {
  return c.kind === 'UNKNOWN' ? c.code : CAP_CODE[c.kind];
}

function capLength(c: W.Capability): number {
  switch (c.kind) {
    case 'MULTIPROTOCOL':
    case 'FOUR_OCTET_AS':
      return 4;
    case 'ROUTE_REFRESH':
    case 'ENHANCED_ROUTE_REFRESH':
    case 'EXTENDED_MESSAGE':
      return 0;
    case 'GRACEFUL_RESTART':
      return 2 + 4 * c.families.length;
    case 'LONG_LIVED_GRACEFUL_RESTART':
      return 7 * c.families.length;
    case 'ADD_PATH':
      return 4 * c.families.length;
    case 'EXTENDED_NEXT_HOP':
      return 6 * c.entries.length;
    case 'FQDN':
      return 2 + Buffer.byteLength(c.hostname) + Buffer.byteLength(c.domainName);
    case 'BGP_ROLE':
      return 1;
    case 'UNKNOWN':
      return c.value.length;
  }
}

/** Attribute type codes and their Optional/Transitive bits (RFC 4271 §5, RFC 4760, 4360, 4456, 5701, 6793, 8092, 9234). */
const ATTR: Record<Exclude<W.PathAttribute['kind'], 'UNKNOWN'>, { code: number; flags: number }> = {
  ORIGIN: { code: 1, flags: 0x40 },
  AS_PATH: { code: 2, flags: 0x40 },
  NEXT_HOP: { code: 3, flags: 0x40 },
  MULTI_EXIT_DISC: { code: 4, flags: 0x80 },
  LOCAL_PREF: { code: 5, flags: 0x40 },
  ATOMIC_AGGREGATE: { code: 6, flags: 0x40 },
  AGGREGATOR: { code: 7, flags: 0xc0 },
  COMMUNITIES: { code: 8, flags: 0xc0 },
  ORIGINATOR_ID: { code: 9, flags: 0x80 },
  CLUSTER_LIST: { code: 10, flags: 0x80 },
  MP_REACH_NLRI: { code: 14, flags: 0x80 },
  MP_UNREACH_NLRI: { code: 15, flags: 0x80 },
  EXTENDED_COMMUNITIES: { code: 16, flags: 0xc0 },
  AS4_PATH: { code: 17, flags: 0xc0 },
  AS4_AGGREGATOR: { code: 18, flags: 0xc0 },
  IPV6_EXTENDED_COMMUNITIES: { code: 25, flags: 0xc0 },
  LARGE_COMMUNITY: { code: 32, flags: 0xc0 },
  ONLY_TO_CUSTOMER: { code: 35, flags: 0xc0 },
};

function attrCode(a: W.PathAttribute): number {
  return a.kind === 'UNKNOWN' ? a.code : ATTR[a.kind].code;
}

function nlriBytes(list: readonly W.Nlri[], addPath: boolean): number {
  return list.reduce((n, x) => n + (addPath ? 4 : 0) + 1 + Math.ceil(x.len / 8), 0);
}

interface Session {
  readonly fourOctetAs: boolean;
  readonly addPath4: boolean;
  readonly addPath6: boolean;
}

function addPathFor(afi: number, s: Session): boolean {
  return afi === 1 ? s.addPath4 : s.addPath6;
}

function segmentsLength(segs: readonly W.AsPathSegment[], asSize: number): number {
  return segs.reduce((n, s) => n + 2 + asSize * s.asns.length, 0);
}

function attrLength(a: W.PathAttribute, s: Session): number {
  switch (a.kind) {
    case 'ORIGIN':
      return 1;
    case 'AS_PATH':
      return segmentsLength(a.segments, s.fourOctetAs ? 4 : 2);
    case 'AS4_PATH':
      return segmentsLength(a.segments, 4);
    case 'NEXT_HOP':
    case 'MULTI_EXIT_DISC':
    case 'LOCAL_PREF':
    case 'ORIGINATOR_ID':
    case 'ONLY_TO_CUSTOMER':
      return 4;
    case 'ATOMIC_AGGREGATE':
      return 0;
    case 'AGGREGATOR':
      return s.fourOctetAs ? 8 : 6;
    case 'AS4_AGGREGATOR':
      return 8;
    case 'COMMUNITIES':
      return 4 * a.communities.length;
    case 'CLUSTER_LIST':
      return 4 * a.clusterList.length;
    case 'EXTENDED_COMMUNITIES':
      return 8 * a.communities.length;
    case 'IPV6_EXTENDED_COMMUNITIES':
      return 20 * a.communities.length;
    case 'LARGE_COMMUNITY':
      return 12 * a.communities.length;
    case 'MP_REACH_NLRI':
      return 5 + a.nextHop.length + nlriBytes(a.nlri, addPathFor(a.afi, s));
    case 'MP_UNREACH_NLRI':
      return 3 + nlriBytes(a.withdrawn, addPathFor(a.afi, s));
    case 'UNKNOWN':
      return a.value.length;
  }
}

function attrFlags(a: W.PathAttribute, len: number): number {
  const base = a.kind === 'UNKNOWN' ? a.flags : (a.flags ?? ATTR[a.kind].flags);
  return len > 255 ? base | 0x10 : base;
}

// ---------------------------------------------------------------- tshark assertions

/** Prefixes under one NLRI subtree: tshark's prefix, length and (ADD-PATH) path id fields. */
function assertPrefixes(where: string, tree: TsharkTree | undefined, prefixField: string, expected: readonly W.Nlri[], addPath: boolean): void {
  const prefixes = fieldValues(tree, prefixField);
  assert.equal(prefixes.length, expected.length, `${where}: number of ${prefixField}`);
  assert.deepEqual(numbers(tree, 'bgp.prefix_length'), expected.map((n) => n.len), `${where}: prefix lengths`);
  expected.forEach((n, i) => {
    if (n.afi === 1) assert.equal(ip4(prefixes[i]!), n.addr, `${where}: prefix ${i}`);
    else assert.deepEqual(ip6(prefixes[i]!), n.addr, `${where}: prefix ${i}`);
  });
  // ADD-PATH: tshark guesses; the fixtures make the guess unambiguous, so path ids must be shown exactly when used.
  assert.deepEqual(numbers(tree, 'bgp.nlri_path_id'), addPath ? expected.map((n) => n.pathId) : [], `${where}: path ids`);
}

function child(tree: TsharkTree, name: string): TsharkTree | undefined {
  const v = tree[name];
  return typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

function checkCapability(where: string, node: TsharkTree, raw: Uint8Array, c: W.Capability): void {
  const len = capLength(c);
  assert.equal(number(node, 'bgp.cap.type'), capCode(c), `${where}: code`);
  assert.equal(number(node, 'bgp.cap.length'), len, `${where}: length`);
  assert.equal(raw.length, 2 + len, `${where}: bytes tshark gives the capability`);
  const value = raw.subarray(2);
  switch (c.kind) {
    case 'MULTIPROTOCOL':
      assert.equal(number(node, 'bgp.cap.mp.afi'), c.afi);
      assert.equal(field(node, 'bgp.cap.reserved'), '00');
      assert.equal(number(node, 'bgp.cap.mp.safi'), c.safi);
      return;
    case 'ROUTE_REFRESH':
    case 'ENHANCED_ROUTE_REFRESH':
    case 'EXTENDED_MESSAGE':
      return;
    case 'FOUR_OCTET_AS':
      assert.equal(number(node, 'bgp.cap.4as'), c.asn);
      return;
    case 'GRACEFUL_RESTART':
      assert.equal(number(node, 'bgp.cap.gr.timers.restart_flag'), c.flags & 0x8 ? 1 : 0, `${where}: R bit`);
      assert.equal(number(node, 'bgp.cap.gr.timers.notification_flag'), c.flags & 0x4 ? 1 : 0, `${where}: N bit`);
      assert.equal(number(node, 'bgp.cap.gr.timers.restart_time'), c.restartTime);
      assert.deepEqual(numbers(node, 'bgp.cap.gr.afi'), c.families.map((f) => f.afi));
      assert.deepEqual(numbers(node, 'bgp.cap.gr.safi'), c.families.map((f) => f.safi));
      assert.deepEqual(numbers(node, 'bgp.cap.gr.flag'), c.families.map((f) => f.flags));
      assert.deepEqual(numbers(node, 'bgp.cap.gr.flag.pfs'), c.families.map((f) => (f.flags & 0x80 ? 1 : 0)));
      return;
    case 'LONG_LIVED_GRACEFUL_RESTART': {
      // Not dissected by tshark 4.0: parse the bytes it delimits as this capability (RFC 9494 §2).
      const fams = [];
      for (let p = 0; p < value.length; p += 7) {
        fams.push({ afi: u16(value, p), safi: value[p + 2]!, flags: value[p + 3]!, staleTime: u24(value, p + 4) });
      }
      assert.deepEqual(fams, c.families.map((f) => ({ afi: f.afi, safi: f.safi, flags: f.flags, staleTime: f.staleTime })));
      return;
    }
    case 'ADD_PATH':
      assert.deepEqual(numbers(node, 'bgp.cap.ap.afi'), c.families.map((f) => f.afi));
      assert.deepEqual(numbers(node, 'bgp.cap.ap.safi'), c.families.map((f) => f.safi));
      assert.deepEqual(numbers(node, 'bgp.cap.ap.sendreceive'), c.families.map((f) => f.sendReceive));
      return;
    case 'EXTENDED_NEXT_HOP':
      assert.deepEqual(numbers(node, 'bgp.cap.enh.afi'), c.entries.map((e) => e.afi));
      assert.deepEqual(numbers(node, 'bgp.cap.enh.safi'), c.entries.map((e) => e.safi));
      assert.deepEqual(numbers(node, 'bgp.cap.enh.nhafi'), c.entries.map((e) => e.nextHopAfi));
      return;
    case 'FQDN':
      assert.equal(number(node, 'bgp.cap.orf.fqdn.hostname.len'), Buffer.byteLength(c.hostname));
      assert.equal(field(node, 'bgp.cap.orf.fqdn.hostname'), c.hostname);
      assert.equal(number(node, 'bgp.cap.orf.fqdn.domain_name.len'), Buffer.byteLength(c.domainName));
      assert.equal(field(node, 'bgp.cap.orf.fqdn.domain_name'), c.domainName);
      return;
    case 'BGP_ROLE':
      // Not dissected by tshark 4.0 (RFC 9234 §4.1: one octet).
      assert.deepEqual([...value], [c.role]);
      return;
    case 'UNKNOWN':
      assert.equal(field(node, 'bgp.cap.unknown'), colonHex(c.value));
      assert.equal(hex(value), hex(c.value));
      return;
  }
}

function checkOpen(bgp: TsharkTree, m: W.OpenMessage, bytes: Uint8Array): void {
  assert.equal(number(bgp, 'bgp.open.version'), m.version);
  assert.equal(number(bgp, 'bgp.open.myas'), m.myAs);
  assert.equal(number(bgp, 'bgp.open.holdtime'), m.holdTime);
  assert.equal(ip4(field(bgp, 'bgp.open.identifier')), m.bgpId);
  const paramsLen = m.parameters.reduce(
    (n, p) => n + 2 + (p.kind === 'CAPABILITIES' ? p.capabilities.reduce((k, c) => k + 2 + capLength(c), 0) : p.value.length),
    0,
  );
  assert.equal(number(bgp, 'bgp.open.opt.len'), paramsLen);
  assert.equal(bytes.length, 29 + paramsLen);
  const params = items(bgp, 'bgp.open.opt.param');
  assert.equal(params.length, m.parameters.length, 'number of optional parameters');
  m.parameters.forEach((p, i) => {
    const { node, raw } = params[i]!;
    assert.equal(number(node, 'bgp.open.opt.param.type'), p.kind === 'CAPABILITIES' ? 2 : p.type, `parameter ${i} type`);
    assert.equal(number(node, 'bgp.open.opt.param.len'), raw.length - 2, `parameter ${i} length`);
    if (p.kind !== 'CAPABILITIES') return;
    const caps = items(node, 'bgp.cap');
    assert.deepEqual(
      caps.map((c) => number(c.node, 'bgp.cap.type')),
      p.capabilities.map(capCode),
      `parameter ${i}: capability codes in order`,
    );
    p.capabilities.forEach((c, k) => checkCapability(`parameter ${i} capability ${k} (${c.kind})`, caps[k]!.node, caps[k]!.raw, c));
  });
}

function checkSegments(where: string, node: TsharkTree, segments: readonly W.AsPathSegment[], asSize: 2 | 4): void {
  const segs = items(node, 'bgp.update.path_attribute.as_path_segment');
  assert.equal(segs.length, segments.length, `${where}: segments`);
  const asField = `bgp.update.path_attribute.as_path_segment.as${asSize}`;
  const otherField = `bgp.update.path_attribute.as_path_segment.as${asSize === 4 ? 2 : 4}`;
  assert.equal(has(node, otherField), false, `${where}: tshark read ${asSize === 4 ? '2' : '4'}-octet AS numbers`);
  segments.forEach((s, i) => {
    const seg = segs[i]!.node;
    assert.equal(number(seg, 'bgp.update.path_attribute.as_path_segment.type'), s.type, `${where}: segment ${i} type`);
    assert.equal(number(seg, 'bgp.update.path_attribute.as_path_segment.length'), s.asns.length, `${where}: segment ${i} count`);
    assert.deepEqual(numbers(seg, asField), [...s.asns], `${where}: segment ${i} ASNs`);
  });
}

function checkExtendedCommunity(where: string, node: TsharkTree, raw: Uint8Array, c: W.ExtendedCommunity): void {
  assert.equal(hex(raw), c.high.toString(16).padStart(8, '0') + c.low.toString(16).padStart(8, '0'), `${where}: bytes`);
  const type = c.high >>> 24;
  const subtype = (c.high >>> 16) & 0xff;
  assert.equal(number(node, 'bgp.ext_com.type'), type, `${where}: type`);
  switch (type) {
    case 0x00: // transitive two-octet AS specific (RFC 4360 §3.1)
      assert.equal(number(node, 'bgp.ext_com.stype_tr_as2'), subtype, `${where}: subtype`);
      assert.equal(number(node, 'bgp.ext_com.value_as2'), c.high & 0xffff);
      assert.equal(number(node, 'bgp.ext_com.value_an4'), c.low);
      return;
    case 0x01: // transitive IPv4 address specific (RFC 4360 §3.2)
      assert.equal(number(node, 'bgp.ext_com.stype_tr_IP4'), subtype, `${where}: subtype`);
      assert.equal(ip4(field(node, 'bgp.ext_com.value_IP4')), (((c.high & 0xffff) << 16) | (c.low >>> 16)) >>> 0);
      assert.equal(number(node, 'bgp.ext_com.value_an2'), c.low & 0xffff);
      return;
    case 0x02: // transitive four-octet AS specific (RFC 5668)
      assert.equal(number(node, 'bgp.ext_com.stype_tr_as4'), subtype, `${where}: subtype`);
      assert.equal(number(node, 'bgp.ext_com.value_as4'), (((c.high & 0xffff) << 16) | (c.low >>> 16)) >>> 0);
      assert.equal(number(node, 'bgp.ext_com.value_an2'), c.low & 0xffff);
      return;
    case 0x03: // transitive opaque; sub-type 0x0c is Encapsulation (RFC 9012 §4.1)
      assert.equal(number(node, 'bgp.ext_com.stype_tr_opaque'), subtype, `${where}: subtype`);
      if (subtype === 0x0c) assert.equal(number(node, 'bgp.ext_com.tunnel_type'), c.low & 0xffff);
      return;
    default:
      assert.fail(`${where}: fixture uses an extended community type this test does not check`);
  }
}

function checkAttribute(where: string, node: TsharkTree, raw: Uint8Array, a: W.PathAttribute, s: Session): void {
  const len = attrLength(a, s);
  const flags = attrFlags(a, len);
  const hdr = flags & 0x10 ? 4 : 3;
  assert.equal(number(node, 'bgp.update.path_attribute.type_code'), attrCode(a), `${where}: type code`);
  assert.equal(number(node, 'bgp.update.path_attribute.flags'), flags, `${where}: flags`);
  assert.equal(number(node, 'bgp.update.path_attribute.flags.extended_length'), flags & 0x10 ? 1 : 0, `${where}: Extended Length bit`);
  assert.equal(number(node, 'bgp.update.path_attribute.length'), len, `${where}: length`);
  assert.equal(raw.length, hdr + len, `${where}: bytes tshark gives the attribute`);
  const value = raw.subarray(hdr);
  switch (a.kind) {
    case 'ORIGIN':
      assert.equal(number(node, 'bgp.update.path_attribute.origin'), a.origin);
      return;
    case 'AS_PATH':
      checkSegments(where, node, a.segments, s.fourOctetAs ? 4 : 2);
      return;
    case 'AS4_PATH':
      checkSegments(where, node, a.segments, 4);
      return;
    case 'NEXT_HOP':
      assert.equal(ip4(field(node, 'bgp.update.path_attribute.next_hop')), a.nextHop);
      return;
    case 'MULTI_EXIT_DISC':
      assert.equal(number(node, 'bgp.update.path_attribute.multi_exit_disc'), a.med);
      return;
    case 'LOCAL_PREF':
      assert.equal(number(node, 'bgp.update.path_attribute.local_pref'), a.localPref);
      return;
    case 'ATOMIC_AGGREGATE':
      return;
    case 'AGGREGATOR':
    case 'AS4_AGGREGATOR':
      assert.equal(number(node, 'bgp.update.path_attribute.aggregator_as'), a.asn, `${where}: AS`);
      assert.equal(ip4(field(node, 'bgp.update.path_attribute.aggregator_origin')), a.address, `${where}: address`);
      return;
    case 'COMMUNITIES': {
      // tshark shows 0xFFFFxxxx as "well-known" (RFC 1997 reserved range) and others as AS:value.
      const wellKnown = a.communities.filter((c) => c >>> 16 === 0xffff);
      const plain = a.communities.filter((c) => c >>> 16 !== 0xffff);
      assert.deepEqual(numbers(node, 'bgp.update.path_attribute.community_wellknown'), wellKnown, `${where}: well-known`);
      assert.deepEqual(numbers(node, 'bgp.update.path_attribute.community_as'), plain.map((c) => c >>> 16), `${where}: AS part`);
      assert.deepEqual(numbers(node, 'bgp.update.path_attribute.community_value'), plain.map((c) => c & 0xffff), `${where}: value part`);
      return;
    }
    case 'ORIGINATOR_ID':
      assert.equal(ip4(field(node, 'bgp.update.path_attribute.originator_id')), a.originatorId);
      return;
    case 'CLUSTER_LIST':
      assert.deepEqual(fieldValues(node, 'bgp.path_attribute.cluster_id').map(ip4), [...a.clusterList]);
      return;
    case 'EXTENDED_COMMUNITIES': {
      const list = items(node, 'bgp.ext_community');
      assert.equal(list.length, a.communities.length, `${where}: count`);
      a.communities.forEach((c, i) => checkExtendedCommunity(`${where} #${i}`, list[i]!.node, list[i]!.raw, c));
      return;
    }
    case 'LARGE_COMMUNITY':
      assert.deepEqual(numbers(node, 'bgp.large_communities.ga'), a.communities.map((c) => c.globalAdmin));
      assert.deepEqual(numbers(node, 'bgp.large_communities.ldp1'), a.communities.map((c) => c.localData1));
      assert.deepEqual(numbers(node, 'bgp.large_communities.ldp2'), a.communities.map((c) => c.localData2));
      return;
    case 'IPV6_EXTENDED_COMMUNITIES':
      // Not dissected by tshark 4.0: the bytes it delimits must be the communities (RFC 5701 §3).
      assert.equal(hex(value), a.communities.map(hex).join(''));
      return;
    case 'ONLY_TO_CUSTOMER':
      // Not dissected by tshark 4.0 (RFC 9234 §5: a 4-octet AS number).
      assert.equal(u32(value, 0), a.asn);
      return;
    case 'UNKNOWN':
      assert.equal(hex(value), hex(a.value));
      return;
    case 'MP_REACH_NLRI': {
      assert.equal(number(node, 'bgp.update.path_attribute.mp_reach_nlri.afi'), a.afi);
      assert.equal(number(node, 'bgp.update.path_attribute.mp_reach_nlri.safi'), a.safi);
      const nh = a.nextHop;
      if (nh.length === 4) {
        assert.equal(ip4(field(node, 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4')), u32(nh, 0));
      } else {
        assert.deepEqual(ip6(field(node, 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6')), nh.subarray(0, 16), `${where}: global next hop`);
        const ll = fieldValues(node, 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local');
        if (nh.length === 32) {
          assert.equal(ll.length, 1, `${where}: link-local next hop`);
          assert.deepEqual(ip6(ll[0]!), nh.subarray(16, 32), `${where}: link-local next hop`);
        } else {
          assert.deepEqual(ll, [], `${where}: no link-local next hop`);
        }
      }
      assert.equal(number(node, 'bgp.update.path_attribute.mp_reach_nlri.nbr_snpa'), 0, `${where}: reserved octet`);
      const prefixField = a.afi === 1 ? 'bgp.mp_reach_nlri_ipv4_prefix' : 'bgp.mp_reach_nlri_ipv6_prefix';
      assertPrefixes(where, child(node, 'bgp.update.path_attribute.mp_reach_nlri'), prefixField, a.nlri, addPathFor(a.afi, s));
      return;
    }
    case 'MP_UNREACH_NLRI': {
      assert.equal(number(node, 'bgp.update.path_attribute.mp_unreach_nlri.afi'), a.afi);
      assert.equal(number(node, 'bgp.update.path_attribute.mp_unreach_nlri.safi'), a.safi);
      const prefixField = a.afi === 1 ? 'bgp.mp_unreach_nlri_ipv4_prefix' : 'bgp.mp_unreach_nlri_ipv6_prefix';
      assertPrefixes(where, child(node, 'bgp.update.path_attribute.mp_unreach_nlri'), prefixField, a.withdrawn, addPathFor(a.afi, s));
      return;
    }
  }
}

function checkUpdate(bgp: TsharkTree, m: W.UpdateMessage, s: Session): void {
  const wLen = nlriBytes(m.withdrawn, s.addPath4);
  assert.equal(number(bgp, 'bgp.update.withdrawn_routes.length'), wLen, 'withdrawn routes length');
  assertPrefixes('withdrawn', child(bgp, 'bgp.update.withdrawn_routes'), 'bgp.withdrawn_prefix', m.withdrawn, s.addPath4);
  const lens = m.attributes.map((a) => attrLength(a, s));
  const total = m.attributes.reduce((n, a, i) => n + (attrFlags(a, lens[i]!) & 0x10 ? 4 : 3) + lens[i]!, 0);
  assert.equal(number(bgp, 'bgp.update.path_attributes.length'), total, 'total path attribute length');
  const attrs = items(bgp, 'bgp.update.path_attribute');
  assert.deepEqual(
    attrs.map((x) => number(x.node, 'bgp.update.path_attribute.type_code')),
    m.attributes.map(attrCode),
    'attribute type codes in order',
  );
  m.attributes.forEach((a, i) => checkAttribute(`attribute ${i} (${a.kind})`, attrs[i]!.node, attrs[i]!.raw, a, s));
  assertPrefixes('NLRI', child(bgp, 'bgp.update.nlri'), 'bgp.nlri_prefix', m.nlri, s.addPath4);
}

/** tshark names the minor code field after the major code. */
const MINOR_FIELD: Record<number, string> = {
  1: 'bgp.notify.minor_error',
  2: 'bgp.notify.minor_error_open',
  3: 'bgp.notify.minor_error_update',
  4: 'bgp.notify.minor_error_expired',
  5: 'bgp.notify.minor_error_state',
  6: 'bgp.notify.minor_error_cease',
};

function checkNotification(bgp: TsharkTree, m: W.NotificationMessage): void {
  assert.equal(number(bgp, 'bgp.notify.major_error'), m.code);
  const minor = MINOR_FIELD[m.code];
  assert.ok(minor, 'fixture uses a major code this test maps');
  assert.equal(number(bgp, minor), m.subcode);
  if (m.code === 6 && (m.subcode === 2 || m.subcode === 4) && m.data.length > 0) {
    // RFC 9003 §2: length octet, then UTF-8 text.
    assert.equal(number(bgp, 'bgp.notify.communication_length'), m.data[0]);
    assert.equal(field(bgp, 'bgp.notify.communication'), Buffer.from(m.data.subarray(1)).toString('utf8'));
  } else if (m.code === 2 && m.subcode === 2) {
    // RFC 4271 §6.2 leaves Bad Peer AS data unspecified; tshark reads it as the AS number.
    assert.equal(number(bgp, 'bgp.notify.error_open.bad_peer_as'), m.data.length === 2 ? u16(m.data, 0) : u32(m.data, 0));
  } else if (m.data.length > 0) {
    assert.equal(field(bgp, 'bgp.notify.minor_data'), colonHex(m.data));
  } else {
    assert.equal(has(bgp, 'bgp.notify.minor_data'), false, 'no data');
  }
}

function checkRouteRefresh(bgp: TsharkTree, m: W.RouteRefreshMessage): void {
  assert.equal(number(bgp, 'bgp.route_refresh.afi'), m.afi);
  assert.equal(number(bgp, 'bgp.route_refresh.subtype'), m.subtype);
  assert.equal(number(bgp, 'bgp.route_refresh.safi'), m.safi);
}

// ---------------------------------------------------------------- fixtures

const SESSION_4: Session = { fourOctetAs: true, addPath4: false, addPath6: false };
const SESSION_2: Session = { fourOctetAs: false, addPath4: false, addPath6: false };
const SESSION_AP: Session = { fourOctetAs: true, addPath4: true, addPath6: true };

function codecFor(s: Session, extendedMessage = false): W.DecodeContext {
  const addPath = new Set<number>();
  if (s.addPath4) addPath.add(W.IPV4_UNICAST);
  if (s.addPath6) addPath.add(W.IPV6_UNICAST);
  return W.decodeContext({ fourOctetAs: s.fourOctetAs, addPath, extendedMessage, ebgp: false });
}

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly session: Session;
  readonly extendedMessage?: boolean;
  /** The message as every reader must see it: petrel's decoder returns exactly this, tshark shows these values. */
  readonly expected: W.BgpMessage;
  /** Why tshark 4.0 cannot dissect the message; it is then expected to say malformed, and `tshark` asserts what it shows. */
  readonly tsharkCannot?: string;
  /** Replaces the generic per-type tshark assertions. */
  readonly tshark?: (bgp: TsharkTree, pkt: DissectedPacket) => void;
  /** Extra assertions on petrel's decoded message. */
  readonly decoded?: (m: W.BgpMessage) => void;
}

const v4 = (text: string, pathId = 0): W.Nlri => {
  const [a, l] = text.split('/');
  return W.ipv4Nlri(ip4(a!), Number(l), pathId);
};
const v6 = (text: string, pathId = 0): W.Nlri => {
  const [a, l] = text.split('/');
  return W.ipv6Nlri(ip6(a!), Number(l), pathId);
};

const ALL_CAPABILITIES: W.Capability[] = [
  { kind: 'MULTIPROTOCOL', afi: 1, safi: 1 },
  { kind: 'MULTIPROTOCOL', afi: 2, safi: 1 },
  { kind: 'ROUTE_REFRESH' },
  { kind: 'ENHANCED_ROUTE_REFRESH' },
  { kind: 'EXTENDED_MESSAGE' },
  { kind: 'FOUR_OCTET_AS', asn: 4200000001 },
  {
    kind: 'GRACEFUL_RESTART',
    flags: W.GR_FLAG_RESTART | W.GR_FLAG_NOTIFICATION,
    restartTime: 120,
    families: [
      { afi: 1, safi: 1, flags: W.GR_FAMILY_FORWARDING },
      { afi: 2, safi: 1, flags: 0 },
    ],
  },
  {
    kind: 'LONG_LIVED_GRACEFUL_RESTART',
    families: [
      { afi: 1, safi: 1, flags: 0x80, staleTime: 3600 },
      { afi: 2, safi: 1, flags: 0, staleTime: 0xabcdef },
    ],
  },
  {
    kind: 'ADD_PATH',
    families: [
      { afi: 1, safi: 1, sendReceive: W.ADD_PATH_RECEIVE | W.ADD_PATH_SEND },
      { afi: 2, safi: 1, sendReceive: W.ADD_PATH_RECEIVE },
    ],
  },
  { kind: 'EXTENDED_NEXT_HOP', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
  { kind: 'FQDN', hostname: 'node-1', domainName: 'cluster.example' },
  { kind: 'BGP_ROLE', role: 3 },
  { kind: 'UNKNOWN', code: 200, value: Uint8Array.of(0xde, 0xad, 0xbe, 0xef) },
];

function buildCases(): Case[] {
  const cases: Case[] = [];
  const add = (c: Case) => cases.push(c);
  const initial = codecFor(SESSION_2);

  // ---- OPEN
  const open1 = W.makeOpen({ myAs: W.AS_TRANS, holdTime: 90, bgpId: ip4('192.0.2.1'), capabilities: ALL_CAPABILITIES });
  add({ name: 'OPEN with every capability kind (one parameter)', bytes: W.encodeMessage(open1, initial), session: SESSION_2, expected: open1 });

  const open2: W.OpenMessage = {
    type: 'OPEN',
    version: 4,
    myAs: 65001,
    holdTime: 3,
    bgpId: ip4('10.255.0.7'),
    parameters: [
      { kind: 'CAPABILITIES', capabilities: [{ kind: 'MULTIPROTOCOL', afi: 1, safi: 1 }] },
      { kind: 'CAPABILITIES', capabilities: [{ kind: 'FOUR_OCTET_AS', asn: 65001 }] },
      { kind: 'CAPABILITIES', capabilities: [{ kind: 'GRACEFUL_RESTART', flags: 0, restartTime: 0xfff, families: [] }] },
      { kind: 'CAPABILITIES', capabilities: [{ kind: 'ROUTE_REFRESH' }, { kind: 'BGP_ROLE', role: 0 }] },
    ],
  };
  add({ name: 'OPEN with one capability per parameter', bytes: W.encodeOpen(open2, initial), session: SESSION_2, expected: open2 });

  const open3: W.OpenMessage = {
    ...W.makeOpen({ myAs: 65001, holdTime: 180, bgpId: ip4('10.0.0.1'), capabilities: ALL_CAPABILITIES.slice(0, 6) }),
    extendedParameters: true,
  };
  const open3Bytes = W.encodeOpen(open3, initial);
  add({
    name: 'OPEN in RFC 9072 extended optional parameters form',
    bytes: open3Bytes,
    session: SESSION_2,
    expected: open3,
    tsharkCannot: 'tshark 4.0 does not implement RFC 9072 and reads the parameters with the RFC 4271 layout',
    tshark: (bgp) => {
      // RFC 9072 §2: Non-Ext OP Len 255, Non-Ext OP Type 255, then a 2-octet length.
      assert.equal(number(bgp, 'bgp.open.myas'), 65001);
      assert.equal(number(bgp, 'bgp.open.holdtime'), 180);
      assert.equal(number(bgp, 'bgp.open.opt.len'), 255);
      const params = items(bgp, 'bgp.open.opt.param');
      assert.ok(params.length > 0);
      assert.equal(number(params[0]!.node, 'bgp.open.opt.param.type'), 255, 'first "parameter" is the 255 marker');
      // The real length sits where tshark 4.0 expects the next parameter: high octet as its length, low octet as the next type.
      const extLen = u16(open3Bytes, 30);
      assert.equal(number(params[0]!.node, 'bgp.open.opt.param.len'), extLen >>> 8);
      assert.equal(number(params[1]!.node, 'bgp.open.opt.param.type'), extLen & 0xff);
      assert.equal(has(bgp, 'bgp.cap'), false, 'tshark 4.0 finds no capability in the extended form');
    },
  });

  // ---- UPDATE, 4-octet AS session: every attribute kind
  const upd4: W.UpdateMessage = {
    type: 'UPDATE',
    withdrawn: [v4('10.1.0.0/16'), v4('203.0.113.0/24'), v4('192.168.128.0/17')],
    attributes: [
      { kind: 'ORIGIN', origin: W.Origin.IGP },
      {
        kind: 'AS_PATH',
        segments: [
          { type: 3, asns: [64512, 64513] },
          { type: 4, asns: [64514, 64515] },
          { type: 2, asns: [65001, 4200000000, 65002] },
          { type: 1, asns: [64600, 4200000002] },
        ],
      },
      { kind: 'NEXT_HOP', nextHop: ip4('192.0.2.1') },
      { kind: 'MULTI_EXIT_DISC', med: 4000000000 },
      { kind: 'LOCAL_PREF', localPref: 200 },
      { kind: 'ATOMIC_AGGREGATE' },
      { kind: 'AGGREGATOR', asn: 4200000000, address: ip4('192.0.2.9') },
      {
        kind: 'COMMUNITIES',
        communities: [
          W.WellKnownCommunity.NO_EXPORT,
          W.WellKnownCommunity.NO_ADVERTISE,
          W.WellKnownCommunity.NO_EXPORT_SUBCONFED,
          W.WellKnownCommunity.NOPEER,
          W.WellKnownCommunity.BLACKHOLE,
          W.WellKnownCommunity.GRACEFUL_SHUTDOWN,
          W.WellKnownCommunity.LLGR_STALE,
          ((65001 << 16) | 100) >>> 0,
          ((64512 << 16) | 65535) >>> 0,
        ],
      },
      { kind: 'ORIGINATOR_ID', originatorId: ip4('192.0.2.254') },
      { kind: 'CLUSTER_LIST', clusterList: [ip4('1.1.1.1'), ip4('10.0.0.2')] },
      {
        kind: 'EXTENDED_COMMUNITIES',
        communities: [
          W.routeTarget(65001, 100),
          { high: (0x0003 << 16) | 65001, low: 7 }, // route origin (2-octet AS)
          { high: ((0x0202 << 16) | (4200000000 >>> 16)) >>> 0, low: (((4200000000 & 0xffff) << 16) | 5) >>> 0 }, // RT 4-octet AS
          { high: ((0x0102 << 16) | (ip4('192.0.2.1') >>> 16)) >>> 0, low: (((ip4('192.0.2.1') & 0xffff) << 16) | 9) >>> 0 }, // RT IPv4
          { high: 0x030c0000, low: 8 }, // encapsulation: VXLAN
        ],
      },
      {
        kind: 'IPV6_EXTENDED_COMMUNITIES',
        communities: [Uint8Array.from([0x00, 0x02, ...ip6('2001:db8::1'), 0x00, 0x64])],
      },
      {
        kind: 'LARGE_COMMUNITY',
        communities: [
          { globalAdmin: 4200000000, localData1: 1, localData2: 2 },
          { globalAdmin: 65001, localData1: 0, localData2: 4294967295 },
        ],
      },
      { kind: 'ONLY_TO_CUSTOMER', asn: 4200000003 },
      { kind: 'UNKNOWN', code: 250, flags: 0xc0, value: Uint8Array.of(1, 2, 3, 4, 5) },
      { kind: 'UNKNOWN', code: 251, flags: 0xe0, value: Uint8Array.of(0xff) },
    ],
    nlri: [v4('10.2.3.0/24'), v4('172.16.0.0/12'), v4('192.0.2.128/25'), v4('198.51.100.7/32')],
  };
  add({ name: 'UPDATE (4-octet AS) with withdrawn, NLRI and every attribute kind', bytes: W.encodeUpdate(upd4, codecFor(SESSION_4)), session: SESSION_4, expected: upd4 });

  // ---- UPDATE, 2-octet AS session: AS_TRANS, AS4_PATH, AS4_AGGREGATOR
  const realPath: W.AsPathSegment[] = [
    { type: 3, asns: [64512] },
    { type: 2, asns: [65001, 4200000000, 65002] },
    { type: 1, asns: [4200000001, 65003] },
  ];
  const attrs2: W.PathAttribute[] = W.attributesForTwoOctetPeer([
    { kind: 'ORIGIN', origin: W.Origin.EGP },
    { kind: 'AS_PATH', segments: realPath },
    { kind: 'NEXT_HOP', nextHop: ip4('192.0.2.1') },
    { kind: 'AGGREGATOR', asn: 4200000000, address: ip4('192.0.2.9') },
  ]);
  const upd2: W.UpdateMessage = { type: 'UPDATE', withdrawn: [], attributes: attrs2, nlri: [v4('10.2.3.0/24')] };
  const upd2Wire: W.UpdateMessage = {
    ...upd2,
    attributes: [
      { kind: 'ORIGIN', origin: W.Origin.EGP },
      {
        kind: 'AS_PATH',
        segments: [
          { type: 3, asns: [64512] },
          { type: 2, asns: [65001, 23456, 65002] },
          { type: 1, asns: [23456, 65003] },
        ],
      },
      { kind: 'NEXT_HOP', nextHop: ip4('192.0.2.1') },
      { kind: 'AGGREGATOR', asn: 23456, address: ip4('192.0.2.9') },
      // RFC 6793 §4.2.2: confederation segments stay out of AS4_PATH.
      { kind: 'AS4_PATH', segments: realPath.slice(1) },
      { kind: 'AS4_AGGREGATOR', asn: 4200000000, address: ip4('192.0.2.9') },
    ],
  };
  add({
    name: 'UPDATE (2-octet AS) with AS_TRANS, confederation segments, AS4_PATH and AS4_AGGREGATOR',
    bytes: W.encodeUpdate(upd2, codecFor(SESSION_2)),
    session: SESSION_2,
    expected: upd2Wire,
    decoded: (m) => {
      assert.equal(m.type, 'UPDATE');
      if (m.type !== 'UPDATE') return;
      assert.deepEqual(W.reconcileAs4(m.attributes), { asPath: realPath, aggregator: { asn: 4200000000, address: ip4('192.0.2.9') } });
    },
  });

  // ---- UPDATE with ADD-PATH (IPv4 NLRI and withdrawn, MP_REACH with global + link-local next hop, MP_UNREACH)
  const updAp: W.UpdateMessage = {
    type: 'UPDATE',
    withdrawn: [v4('10.1.0.0/16', 201)],
    attributes: [
      { kind: 'ORIGIN', origin: W.Origin.INCOMPLETE },
      { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001] }] },
      { kind: 'NEXT_HOP', nextHop: ip4('192.0.2.1') },
      {
        kind: 'MP_REACH_NLRI',
        afi: 2,
        safi: 1,
        nextHop: Uint8Array.from([...ip6('2001:db8::1'), ...ip6('fe80::1:2ff:fe03:405')]),
        nlri: [v6('2001:db8:1::/48', 202), v6('2001:db8:1::/48', 0xffffffff)],
      },
      { kind: 'MP_UNREACH_NLRI', afi: 2, safi: 1, withdrawn: [v6('2001:db8:2::/64', 204), v6('2001:db8:3:4:5::/80', 1)] },
    ],
    nlri: [v4('10.2.3.0/24', 200), v4('10.2.3.0/24', 7), v4('0.0.0.0/0', 65536)],
  };
  add({
    name: 'UPDATE with ADD-PATH path ids, MP_REACH_NLRI IPv6 with 32-byte next hop, MP_UNREACH_NLRI',
    bytes: W.encodeUpdate(updAp, codecFor(SESSION_AP)),
    session: SESSION_AP,
    expected: updAp,
  });

  // ---- packUpdates: IPv6 with a 16-byte next hop (MP_REACH first, Extended Length)
  const base: W.PathAttribute[] = [
    { kind: 'ORIGIN', origin: W.Origin.IGP },
    { kind: 'AS_PATH', segments: [{ type: 2, asns: [65001, 65002] }] },
    { kind: 'NEXT_HOP', nextHop: ip4('192.0.2.1') },
    { kind: 'MULTI_EXIT_DISC', med: 10 },
    { kind: 'COMMUNITIES', communities: [((65001 << 16) | 200) >>> 0] },
  ];
  const nh16 = ip6('2001:db8::1');
  // No ::/0 among other prefixes: tshark's ADD-PATH guess takes a 0-length prefix that is not alone for a path id (see the default route case below).
  const v6Nlri = [v6('2001:db8:a::/48'), v6('2001:db8:b:c::/64'), v6('2001:db8:dead:beef::1/128'), v6('2001:db8:8000::/33')];
  const packed6 = W.packUpdates(base, v6Nlri, codecFor(SESSION_4), { afi: 2, safi: 1, nextHop: nh16 });
  assert.equal(packed6.length, 1);
  add({
    name: 'UPDATE from packUpdates: MP_REACH_NLRI IPv6 with 16-byte next hop',
    bytes: packed6[0]!,
    session: SESSION_4,
    expected: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: [
        // packUpdates writes MP_REACH_NLRI first with Extended Length set (RFC 7606 §5.1); the decoder keeps those flags.
        { kind: 'MP_REACH_NLRI', afi: 2, safi: 1, nextHop: nh16, nlri: v6Nlri, flags: 0x90 },
        ...base.filter((a) => a.kind !== 'NEXT_HOP'),
      ],
      nlri: [],
    },
  });

  // ---- packUpdates: the IPv6 default route, alone in its MP_REACH_NLRI
  const dflt = [v6('::/0')];
  const packedDefault = W.packUpdates(base, dflt, codecFor(SESSION_4), { afi: 2, safi: 1, nextHop: nh16 });
  assert.equal(packedDefault.length, 1);
  add({
    name: 'UPDATE from packUpdates: MP_REACH_NLRI IPv6 default route ::/0',
    bytes: packedDefault[0]!,
    session: SESSION_4,
    expected: {
      type: 'UPDATE',
      withdrawn: [],
      attributes: [{ kind: 'MP_REACH_NLRI', afi: 2, safi: 1, nextHop: nh16, nlri: dflt, flags: 0x90 }, ...base.filter((a) => a.kind !== 'NEXT_HOP')],
      nlri: [],
    },
  });

  // ---- packUpdates: IPv4 NLRI split at 4096 bytes, and in one RFC 8654 extended message
  const many: W.Nlri[] = [];
  for (let i = 0; i < 1200; i++) many.push(W.ipv4Nlri(((10 << 24) | (i << 8)) >>> 0, 24));
  const v4Attrs = base.slice(0, 3);
  const split = W.packUpdates(v4Attrs, many, codecFor(SESSION_4));
  assert.ok(split.length >= 2, 'packUpdates splits 1200 prefixes over several 4096-byte messages');
  let from = 0;
  const v4AttrBytes = v4Attrs.reduce((n, a) => n + 3 + attrLength(a, SESSION_4), 0);
  split.forEach((bytes, i) => {
    const n = (bytes.length - 23 - v4AttrBytes) / 4;
    assert.ok(Number.isInteger(n), 'packUpdates message holds whole /24 prefixes');
    add({
      name: `UPDATE from packUpdates: IPv4 NLRI part ${i + 1}/${split.length} (${bytes.length} bytes)`,
      bytes,
      session: SESSION_4,
      expected: { type: 'UPDATE', withdrawn: [], attributes: v4Attrs, nlri: many.slice(from, from + n) },
    });
    from += n;
  });
  assert.equal(from, many.length);
  const ext = W.packUpdates(v4Attrs, many, codecFor(SESSION_4, true));
  assert.equal(ext.length, 1);
  const extBytes = ext[0]!;
  add({
    name: `UPDATE from packUpdates: RFC 8654 extended message (${extBytes.length} bytes)`,
    bytes: extBytes,
    session: SESSION_4,
    extendedMessage: true,
    expected: { type: 'UPDATE', withdrawn: [], attributes: v4Attrs, nlri: many },
    tsharkCannot: 'tshark 4.0 does not implement RFC 8654 and refuses BGP messages over 4096 bytes',
    tshark: (bgp, pkt) => {
      assert.ok(extBytes.length > 4096);
      assert.equal(number(bgp, 'bgp.length'), extBytes.length, 'tshark reads the length field petrel wrote');
      assert.ok(
        dissectionErrors(pkt.layers).includes(`expert error: Length is invalid ${extBytes.length}`),
        JSON.stringify(dissectionErrors(pkt.layers)),
      );
      assert.equal(has(bgp, 'bgp.type'), false, 'tshark stops at the length');
    },
  });

  // ---- packWithdrawals
  const wd4 = [v4('10.1.0.0/16'), v4('10.3.0.0/16'), v4('10.4.5.0/24')];
  const pw4 = W.packWithdrawals(wd4, codecFor(SESSION_4));
  assert.equal(pw4.length, 1);
  add({ name: 'UPDATE from packWithdrawals: IPv4 withdrawn routes', bytes: pw4[0]!, session: SESSION_4, expected: { type: 'UPDATE', withdrawn: wd4, attributes: [], nlri: [] } });
  const wd6 = [v6('2001:db8:1::/48', 210), v6('2001:db8:1::/48', 211)];
  const pw6 = W.packWithdrawals(wd6, codecFor(SESSION_AP), { afi: 2, safi: 1 });
  assert.equal(pw6.length, 1);
  add({
    name: 'UPDATE from packWithdrawals: MP_UNREACH_NLRI IPv6 with ADD-PATH',
    bytes: pw6[0]!,
    session: SESSION_AP,
    expected: { type: 'UPDATE', withdrawn: [], attributes: [{ kind: 'MP_UNREACH_NLRI', afi: 2, safi: 1, withdrawn: wd6, flags: 0x90 }], nlri: [] },
  });

  // ---- End-of-RIB
  for (const fam of [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }]) {
    const eor = W.endOfRib(fam);
    add({
      name: `End-of-RIB ${fam.afi === 1 ? 'IPv4 unicast (empty UPDATE)' : 'IPv6 unicast (bare MP_UNREACH_NLRI)'}`,
      bytes: W.encodeMessage(eor, codecFor(SESSION_4)),
      session: SESSION_4,
      expected: eor,
      decoded: (m) => {
        assert.equal(m.type, 'UPDATE');
        if (m.type === 'UPDATE') assert.deepEqual(W.endOfRibFamily(m), fam);
      },
    });
  }

  // ---- NOTIFICATION
  const notifications: [string, W.NotificationMessage][] = [
    ['Cease / Administrative Shutdown with RFC 9003 communication', W.ceaseWithCommunication(2, 'maintenance until 02:00 UTC — ✓ ticket #42')],
    ['Cease / Administrative Reset with RFC 9003 communication', W.ceaseWithCommunication(4, 'config change')],
    ['Cease / Maximum Number of Prefixes Reached (RFC 4486 data)', { type: 'NOTIFICATION', code: 6, subcode: 1, data: W.maxPrefixData(1, 1, 100000) }],
    ['OPEN Message Error / Bad Peer AS', { type: 'NOTIFICATION', code: 2, subcode: 2, data: Uint8Array.of(0xfd, 0xe9) }],
    ['UPDATE Message Error / Malformed AS_PATH', { type: 'NOTIFICATION', code: 3, subcode: 11, data: new Uint8Array(0) }],
    ['Hold Timer Expired', { type: 'NOTIFICATION', code: 4, subcode: 0, data: new Uint8Array(0) }],
  ];
  for (const [name, n] of notifications) {
    add({ name: `NOTIFICATION ${name}`, bytes: W.encodeNotification(n), session: SESSION_4, expected: n });
  }

  // ---- KEEPALIVE
  add({ name: 'KEEPALIVE', bytes: W.encodeKeepalive(), session: SESSION_4, expected: { type: 'KEEPALIVE' } });

  // ---- ROUTE-REFRESH (RFC 2918, RFC 7313 subtypes)
  const refreshes: [string, W.RouteRefreshMessage][] = [
    ['normal IPv4 unicast', { type: 'ROUTE_REFRESH', afi: 1, safi: 1, subtype: W.RouteRefreshSubtype.NORMAL }],
    ['BoRR IPv6 unicast', { type: 'ROUTE_REFRESH', afi: 2, safi: 1, subtype: W.RouteRefreshSubtype.BORR }],
    ['EoRR IPv6 unicast', { type: 'ROUTE_REFRESH', afi: 2, safi: 1, subtype: W.RouteRefreshSubtype.EORR }],
  ];
  for (const [name, r] of refreshes) {
    add({ name: `ROUTE-REFRESH ${name}`, bytes: W.encodeMessage(r, codecFor(SESSION_4)), session: SESSION_4, expected: r });
  }
  return cases;
}

const TYPE_CODE: Record<W.BgpMessage['type'], number> = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 };

// ---------------------------------------------------------------- the test

describe('tshark cross-check: petrel encoder, petrel decoder and Wireshark agree', function () {
  this.timeout(60_000);
  const cases = buildCases();
  let packets: DissectedPacket[] = [];

  before(async () => {
    // Fails (does not skip) when tshark is missing: CI installs it.
    await tsharkVersion();
    packets = await dissect(
      cases.map((c) => c.bytes),
      { raw: true },
    );
  });

  it('runs tshark 4.x over one pcap with one packet per message', async () => {
    const version = await tsharkVersion();
    assert.match(version, /^TShark \(Wireshark\) 4\./, version);
    assert.equal(packets.length, cases.length);
  });

  cases.forEach((c, i) => {
    describe(c.name, () => {
      it('tshark reads the values petrel encoded, without errors', () => {
        const pkt = packets[i]!;
        assert.equal(pkt.bgp.length, 1, 'one BGP message in the packet');
        const bgp = pkt.bgp[0]!;
        assert.equal(field(bgp, 'bgp.marker'), new Array(16).fill('ff').join(':'));
        const errors = dissectionErrors(pkt.layers);
        if (c.tsharkCannot) {
          // Pinned to what tshark 4.0 shows; a tshark that gets this right fails here, and the case should then assert the full decoding.
          assert.ok(errors.length > 0, `expected tshark to fail here (${c.tsharkCannot})`);
          assert.ok(c.tshark, 'a case tshark cannot dissect asserts what it does show');
          c.tshark(bgp, pkt);
          return;
        }
        assert.deepEqual(errors, [], 'tshark reports no malformed packet or expert error');
        assert.equal(number(bgp, 'bgp.length'), c.bytes.length);
        assert.equal(number(bgp, 'bgp.type'), TYPE_CODE[c.expected.type]);
        if (c.tshark) {
          c.tshark(bgp, pkt);
          return;
        }
        const m = c.expected;
        switch (m.type) {
          case 'OPEN':
            checkOpen(bgp, m, c.bytes);
            return;
          case 'UPDATE':
            checkUpdate(bgp, m, c.session);
            return;
          case 'NOTIFICATION':
            checkNotification(bgp, m);
            return;
          case 'ROUTE_REFRESH':
            checkRouteRefresh(bgp, m);
            return;
          case 'KEEPALIVE':
            assert.equal(c.bytes.length, 19);
            return;
        }
      });

      it('petrel decodes it back to the same message and re-encodes the same bytes', () => {
        const ctx = codecFor(c.session, c.extendedMessage ?? false);
        const frames = new W.Framer(ctx.extendedMessage).push(c.bytes);
        assert.equal(frames.length, 1);
        const d = W.decodeMessage(frames[0]!, ctx);
        assert.equal(d.action, 'none');
        assert.deepEqual(d.problems, []);
        assert.deepEqual(d.message, c.expected);
        c.decoded?.(d.message);
        assert.equal(hex(W.encodeMessage(d.message, ctx)), hex(c.bytes));
      });
    });
  });
});
