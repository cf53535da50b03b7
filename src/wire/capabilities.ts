import type { ByteWriter } from '../lib/bytes.js';
import { readU16, readU24, readU32, copyBytes } from '../lib/bytes.js';
import type { Capability } from './capability-types.js';
import { CapabilityCode } from './constants.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function assertNever(x: never): never {
  throw new Error(`unhandled capability ${JSON.stringify(x)}`);
}

/** Interpret one capability value; a malformed one becomes UNKNOWN with a reason, so it is ignored (RFC 5492 §3). */
export function decodeCapability(code: number, buf: Uint8Array, start: number, end: number): Capability {
  const len = end - start;
  const unknown = (malformed?: string): Capability =>
    malformed === undefined
      ? { kind: 'UNKNOWN', code, value: copyBytes(buf, start, end) }
      : { kind: 'UNKNOWN', code, value: copyBytes(buf, start, end), malformed };
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      if (len !== 4) return unknown(`multiprotocol length ${len}, expected 4`);
      // The reserved octet must be kept zero for byte-exactness.
      if (buf[start + 2] !== 0) return unknown('multiprotocol reserved octet is not zero');
      return { kind: 'MULTIPROTOCOL', afi: readU16(buf, start), safi: buf[start + 3]! };
    case CapabilityCode.ROUTE_REFRESH:
      return len === 0 ? { kind: 'ROUTE_REFRESH' } : unknown(`route refresh length ${len}, expected 0`);
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      return len === 0 ? { kind: 'ENHANCED_ROUTE_REFRESH' } : unknown(`enhanced route refresh length ${len}, expected 0`);
    case CapabilityCode.EXTENDED_MESSAGE:
      return len === 0 ? { kind: 'EXTENDED_MESSAGE' } : unknown(`extended message length ${len}, expected 0`);
    case CapabilityCode.FOUR_OCTET_AS:
      return len === 4 ? { kind: 'FOUR_OCTET_AS', asn: readU32(buf, start) } : unknown(`4-octet AS length ${len}, expected 4`);
    case CapabilityCode.GRACEFUL_RESTART: {
      if (len < 2 || (len - 2) % 4 !== 0) return unknown(`graceful restart length ${len} is not 2 + 4n`);
      const head = readU16(buf, start);
      const families = [];
      for (let p = start + 2; p < end; p += 4) families.push({ afi: readU16(buf, p), safi: buf[p + 2]!, flags: buf[p + 3]! });
      return { kind: 'GRACEFUL_RESTART', flags: head >>> 12, restartTime: head & 0x0fff, families };
    }
    case CapabilityCode.LONG_LIVED_GRACEFUL_RESTART: {
      if (len % 7 !== 0) return unknown(`long-lived graceful restart length ${len} is not 7n`);
      const families = [];
      for (let p = start; p < end; p += 7) {
        families.push({ afi: readU16(buf, p), safi: buf[p + 2]!, flags: buf[p + 3]!, staleTime: readU24(buf, p + 4) });
      }
      return { kind: 'LONG_LIVED_GRACEFUL_RESTART', families };
    }
    case CapabilityCode.ADD_PATH: {
      if (len === 0 || len % 4 !== 0) return unknown(`ADD-PATH length ${len} is not 4n`);
      const families = [];
      for (let p = start; p < end; p += 4) {
        const sendReceive = buf[p + 3]!;
        if (sendReceive < 1 || sendReceive > 3) return unknown(`ADD-PATH send/receive value ${sendReceive}`);
        families.push({ afi: readU16(buf, p), safi: buf[p + 2]!, sendReceive });
      }
      return { kind: 'ADD_PATH', families };
    }
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      if (len === 0 || len % 6 !== 0) return unknown(`extended next hop length ${len} is not 6n`);
      const entries = [];
      for (let p = start; p < end; p += 6) {
        const safi = readU16(buf, p + 2);
        if (safi > 0xff) return unknown(`extended next hop SAFI ${safi}`);
        entries.push({ afi: readU16(buf, p), safi, nextHopAfi: readU16(buf, p + 4) });
      }
      return { kind: 'EXTENDED_NEXT_HOP', entries };
    }
    case CapabilityCode.FQDN: {
      if (len < 1) return unknown('FQDN capability empty');
      const hLen = buf[start]!;
      if (1 + hLen + 1 > len) return unknown('FQDN hostname runs past the capability');
      const dLen = buf[start + 1 + hLen]!;
      if (2 + hLen + dLen !== len) return unknown('FQDN domain name length inconsistent');
      try {
        const hostname = utf8.decode(buf.subarray(start + 1, start + 1 + hLen));
        const domainName = utf8.decode(buf.subarray(start + 2 + hLen, end));
        return { kind: 'FQDN', hostname, domainName };
      } catch {
        return unknown('FQDN is not UTF-8');
      }
    }
    case CapabilityCode.BGP_ROLE:
      return len === 1 ? { kind: 'BGP_ROLE', role: buf[start]! } : unknown(`BGP role length ${len}, expected 1`);
    default:
      return unknown();
  }
}

export function capabilityCode(c: Capability): number {
  switch (c.kind) {
    case 'MULTIPROTOCOL':
      return CapabilityCode.MULTIPROTOCOL;
    case 'ROUTE_REFRESH':
      return CapabilityCode.ROUTE_REFRESH;
    case 'ENHANCED_ROUTE_REFRESH':
      return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case 'EXTENDED_MESSAGE':
      return CapabilityCode.EXTENDED_MESSAGE;
    case 'FOUR_OCTET_AS':
      return CapabilityCode.FOUR_OCTET_AS;
    case 'GRACEFUL_RESTART':
      return CapabilityCode.GRACEFUL_RESTART;
    case 'LONG_LIVED_GRACEFUL_RESTART':
      return CapabilityCode.LONG_LIVED_GRACEFUL_RESTART;
    case 'ADD_PATH':
      return CapabilityCode.ADD_PATH;
    case 'EXTENDED_NEXT_HOP':
      return CapabilityCode.EXTENDED_NEXT_HOP;
    case 'FQDN':
      return CapabilityCode.FQDN;
    case 'BGP_ROLE':
      return CapabilityCode.BGP_ROLE;
    case 'UNKNOWN':
      return c.code;
    default:
      return assertNever(c);
  }
}

/** Write a capability's value (not its code and length). */
export function encodeCapabilityValue(c: Capability, w: ByteWriter): void {
  switch (c.kind) {
    case 'MULTIPROTOCOL':
      w.u16(c.afi).u8(0).u8(c.safi);
      return;
    case 'ROUTE_REFRESH':
    case 'ENHANCED_ROUTE_REFRESH':
    case 'EXTENDED_MESSAGE':
      return;
    case 'FOUR_OCTET_AS':
      w.u32(c.asn);
      return;
    case 'GRACEFUL_RESTART':
      w.u16(((c.flags & 0xf) << 12) | (c.restartTime & 0x0fff));
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.flags);
      return;
    case 'LONG_LIVED_GRACEFUL_RESTART':
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.flags).u24(f.staleTime);
      return;
    case 'ADD_PATH':
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.sendReceive);
      return;
    case 'EXTENDED_NEXT_HOP':
      for (const e of c.entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
      return;
    case 'FQDN': {
      const h = utf8Encoder.encode(c.hostname).subarray(0, 255);
      const d = utf8Encoder.encode(c.domainName).subarray(0, 255);
      w.u8(h.length).bytes(h).u8(d.length).bytes(d);
      return;
    }
    case 'BGP_ROLE':
      w.u8(c.role);
      return;
    case 'UNKNOWN':
      w.bytes(c.value);
      return;
    default:
      assertNever(c);
  }
}
