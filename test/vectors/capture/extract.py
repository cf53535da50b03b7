#!/usr/bin/env python3
"""Turn pcap captures of BGP sessions into golden test vectors.

Usage: extract.py [--info VERSIONS.json] OUTDIR PHASEDIR [PHASEDIR ...]

Each PHASEDIR holds one or more *.pcap files (libpcap format) plus a
meta.json describing the phase:

  {"phase": "ebgp",
   "hosts": {"198.18.0.1": "bird2", ...},          # address -> implementation
   "sessions": [{"a": "198.18.0.1", "b": "198.18.0.2", "name": "ebgp-ipv4"}]}

The same TCP connection may appear in several pcaps (captured at both
ends); segments are merged, so it is reassembled once. Each direction of
every connection is reassembled by TCP sequence number and split into BGP
messages using the length field of the 19-byte header. The OPEN messages
of the connection are decoded to find what was negotiated (4-octet AS,
ADD-PATH per family and direction), which is recorded with every message.

Writes OUTDIR/<impl>.json for every implementation seen as a sender, and
OUTDIR/README.md (topology, versions from --info, date, table of shapes).
Nothing outside the standard library is used.
"""

import ipaddress
import json
import os
import re
import struct
import sys
from collections import defaultdict

MARKER = b"\xff" * 16
TYPES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}

# ---------------------------------------------------------------- pcap / TCP


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a libpcap file (use tshark -F pcap)")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        ts = sec + frac / (1e9 if nano else 1e6)
        yield ts, linktype, frame


def parse_frame(linktype, frame):
    """Return (src, sport, dst, dport, seq, flags, payload) for TCP frames."""
    if linktype == 1:  # Ethernet
        if len(frame) < 14:
            return None
        etype = struct.unpack("!H", frame[12:14])[0]
        off = 14
        while etype in (0x8100, 0x88A8):
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
    elif linktype == 113:  # Linux cooked
        etype = struct.unpack("!H", frame[14:16])[0]
        off = 16
    elif linktype == 276:  # Linux cooked v2
        etype = struct.unpack("!H", frame[0:2])[0]
        off = 20
    else:
        return None
    ip = frame[off:]
    if etype == 0x0800:
        if len(ip) < 20:
            return None
        ihl = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        if ip[9] != 6:
            return None
        src = str(ipaddress.IPv4Address(ip[12:16]))
        dst = str(ipaddress.IPv4Address(ip[16:20]))
        seg = ip[ihl:total]
    elif etype == 0x86DD:
        if len(ip) < 40:
            return None
        plen = struct.unpack("!H", ip[4:6])[0]
        nxt = ip[6]
        src = str(ipaddress.IPv6Address(ip[8:24]))
        dst = str(ipaddress.IPv6Address(ip[24:40]))
        seg = ip[40:40 + plen]
        while nxt in (0, 43, 60) and len(seg) >= 8:
            nxt, hlen = seg[0], (seg[1] + 1) * 8
            seg = seg[hlen:]
        if nxt != 6:
            return None
    else:
        return None
    if len(seg) < 20:
        return None
    sport, dport, seq = struct.unpack("!HHI", seg[:8])
    doff = (seg[12] >> 4) * 4
    flags = seg[13]
    return src, sport, dst, dport, seq, flags, bytes(seg[doff:])


class Half:
    """One direction of one TCP connection."""

    def __init__(self, key, isn):
        self.key = key
        self.isn = isn  # sequence number of the SYN (None if not seen)
        self.segs = []  # (seq, ts, payload)
        self.first_ts = None

    def add(self, seq, ts, payload):
        if self.first_ts is None:
            self.first_ts = ts
        if payload:
            self.segs.append((seq, ts, payload))

    def assemble(self):
        """Return (bytes, [(offset, ts)...]) of the in-order byte stream."""
        if not self.segs:
            return b"", []
        base = (self.isn + 1) & 0xFFFFFFFF if self.isn is not None else min(s for s, _, _ in self.segs)
        pieces = sorted((((s - base) & 0xFFFFFFFF), ts, p) for s, ts, p in self.segs)
        buf = bytearray()
        times = []
        for rel, ts, p in pieces:
            if rel > len(buf):
                sys.stderr.write(f"warning: gap in {self.key} at {len(buf)} (next segment at {rel}); truncating\n")
                break
            end = rel + len(p)
            if end > len(buf):
                times.append((len(buf), ts))
                buf.extend(p[len(buf) - rel:])
        return bytes(buf), times


def load_connections(pcaps):
    packets = []
    for path in pcaps:
        for ts, lt, frame in read_pcap(path):
            r = parse_frame(lt, frame)
            if r and 179 in (r[1], r[3]):
                packets.append((ts, r))
    packets.sort(key=lambda x: x[0])
    current = {}  # flow key -> Half
    halves = []
    for ts, (src, sport, dst, dport, seq, flags, payload) in packets:
        key = (src, sport, dst, dport)
        syn = flags & 0x02
        h = current.get(key)
        if syn:
            if h is None or h.isn != seq:
                h = Half(key, seq)
                current[key] = h
                halves.append(h)
            continue
        if h is None:
            h = Half(key, None)
            current[key] = h
            halves.append(h)
        h.add(seq, ts, payload)
    # pair the two directions of each connection (the later reverse half
    # started closest in time before/after this one)
    conns = []
    used = set()
    for h in halves:
        if id(h) in used:
            continue
        rkey = (h.key[2], h.key[3], h.key[0], h.key[1])
        cands = [o for o in halves if o.key == rkey and id(o) not in used]
        best = None
        if cands:
            t0 = h.first_ts or 0
            best = min(cands, key=lambda o: abs((o.first_ts or 0) - t0))
            used.add(id(best))
        used.add(id(h))
        conns.append((h, best))
    return conns


def split_messages(buf, times):
    msgs = []
    off = 0
    ti = 0
    while off + 19 <= len(buf):
        if buf[off:off + 16] != MARKER:
            sys.stderr.write(f"warning: bad marker at stream offset {off}; stopping\n")
            break
        length = struct.unpack("!H", buf[off + 16:off + 18])[0]
        if length < 19 or off + length > len(buf):
            break
        while ti + 1 < len(times) and times[ti + 1][0] <= off:
            ti += 1
        ts = times[ti][1] if times else 0
        msg = buf[off:off + length]
        assert msg[:16] == MARKER and struct.unpack("!H", msg[16:18])[0] == len(msg)
        msgs.append((ts, msg))
        off += length
    return msgs


# ---------------------------------------------------------------- decoding

AFS = {(1, 1): "ipv4-unicast", (2, 1): "ipv6-unicast", (1, 2): "ipv4-multicast",
       (2, 2): "ipv6-multicast", (1, 4): "ipv4-labeled", (2, 4): "ipv6-labeled",
       (1, 128): "ipv4-vpn", (2, 128): "ipv6-vpn", (25, 70): "l2vpn-evpn",
       (1, 133): "ipv4-flowspec", (2, 133): "ipv6-flowspec"}


def af_name(afi, safi):
    return AFS.get((afi, safi), f"afi{afi}/safi{safi}")


CAP_NAMES = {1: "MP", 2: "ROUTE-REFRESH", 3: "ORF", 5: "EXT-NEXTHOP", 6: "EXT-MESSAGE",
             9: "ROLE", 64: "GR", 65: "AS4", 66: "DYNAMIC-OLD", 67: "DYNAMIC",
             69: "ADD-PATH", 70: "ENHANCED-RR", 71: "LLGR", 73: "FQDN",
             75: "SOFTWARE-VERSION", 128: "ROUTE-REFRESH-OLD"}
ROLES = {0: "provider", 1: "rs", 2: "rs-client", 3: "customer", 4: "peer"}


def parse_open(msg):
    """Return dict with as, hold, id, caps [(code, value)], params info."""
    b = msg[19:]
    ver, my_as, hold = b[0], struct.unpack("!H", b[1:3])[0], struct.unpack("!H", b[3:5])[0]
    bgp_id = str(ipaddress.IPv4Address(b[5:9]))
    optlen = b[9]
    p = b[10:]
    extended = False
    if optlen == 255 and len(p) >= 3 and p[0] == 255:
        extended = True
        optlen = struct.unpack("!H", p[1:3])[0]
        p = p[3:3 + optlen]
    else:
        p = p[:optlen]
    caps = []
    nparams = 0
    i = 0
    while i < len(p):
        ptype = p[i]
        if extended:
            plen = struct.unpack("!H", p[i + 1:i + 3])[0]
            body = p[i + 3:i + 3 + plen]
            i += 3 + plen
        else:
            plen = p[i + 1]
            body = p[i + 2:i + 2 + plen]
            i += 2 + plen
        nparams += 1
        if ptype != 2:
            caps.append((-ptype, body))
            continue
        j = 0
        while j + 2 <= len(body):
            code, clen = body[j], body[j + 1]
            caps.append((code, body[j + 2:j + 2 + clen]))
            j += 2 + clen
    return {"version": ver, "as": my_as, "hold": hold, "id": bgp_id, "caps": caps,
            "nparams": nparams, "extended": extended}


def open_negotiation(o):
    """From a parsed OPEN: (as4 bool, {af: send/recv bits} for ADD-PATH)."""
    as4 = any(c == 65 for c, _ in o["caps"])
    ap = {}
    for c, v in o["caps"]:
        if c == 69:
            for k in range(0, len(v) - 3, 4):
                afi, safi, sr = struct.unpack("!HBB", v[k:k + 4])
                ap[af_name(afi, safi)] = sr
    return as4, ap


def describe_cap(code, v):
    name = CAP_NAMES.get(code, f"cap{code}")
    try:
        if code < 0:
            return f"param{-code}"
        if code == 1:
            afi, _, safi = struct.unpack("!HBB", v[:4])
            return f"MP({af_name(afi, safi)})"
        if code == 65:
            return f"AS4({struct.unpack('!I', v)[0]})"
        if code == 9:
            return f"ROLE({ROLES.get(v[0], v[0])})"
        if code == 64:
            fl_t = struct.unpack("!H", v[:2])[0]
            flags = []
            if fl_t & 0x8000:
                flags.append("R")
            if fl_t & 0x4000:
                flags.append("N")
            afs = []
            for k in range(2, len(v) - 3, 4):
                afi, safi, f = struct.unpack("!HBB", v[k:k + 4])
                afs.append(af_name(afi, safi) + ("+F" if f & 0x80 else ""))
            return f"GR({''.join(flags) + ' ' if flags else ''}time {fl_t & 0xFFF}{'; ' + ','.join(afs) if afs else ''})"
        if code == 69:
            parts = []
            for k in range(0, len(v) - 3, 4):
                afi, safi, sr = struct.unpack("!HBB", v[k:k + 4])
                parts.append(f"{af_name(afi, safi)} {({1: 'rx', 2: 'tx', 3: 'rx+tx'}).get(sr, sr)}")
            return f"ADD-PATH({', '.join(parts)})"
        if code == 71:
            parts = []
            for k in range(0, len(v) - 6, 7):
                afi, safi, f = struct.unpack("!HBB", v[k:k + 4])
                t = int.from_bytes(v[k + 4:k + 7], "big")
                parts.append(f"{af_name(afi, safi)} {t}s")
            return f"LLGR({', '.join(parts)})" if parts else "LLGR(empty)"
        if code == 73:
            hl = v[0]
            host = v[1:1 + hl].decode(errors="replace")
            dl = v[1 + hl]
            dom = v[2 + hl:2 + hl + dl].decode(errors="replace")
            return f"FQDN({host}{'.' + dom if dom else ''})"
        if code == 5:
            parts = []
            for k in range(0, len(v) - 5, 6):
                afi, safi, nh = struct.unpack("!HHH", v[k:k + 6])
                parts.append(f"{af_name(afi, safi)} nh-afi {nh}")
            return f"EXT-NEXTHOP({', '.join(parts)})"
        if code == 75:
            return f"SOFTWARE-VERSION({v[1:1 + v[0]].decode(errors='replace')})"
    except (IndexError, struct.error):
        return name + "(malformed)"
    return name if not v else f"{name}({len(v)}B)"


def describe_open(msg):
    o = parse_open(msg)
    caps = [describe_cap(c, v) for c, v in o["caps"]]
    layout = "RFC9072 extended opt params, " if o["extended"] else ""
    layout += f"{len(o['caps'])} caps in {o['nparams']} opt param{'s' if o['nparams'] != 1 else ''}"
    return (f"OPEN AS {o['as']} hold {o['hold']} id {o['id']}; {layout}: " + ", ".join(caps))


ATTR_NAMES = {1: "ORIGIN", 2: "AS_PATH", 3: "NEXT_HOP", 4: "MED", 5: "LOCAL_PREF",
              6: "ATOMIC_AGGREGATE", 7: "AGGREGATOR", 8: "COMMUNITIES", 9: "ORIGINATOR_ID",
              10: "CLUSTER_LIST", 14: "MP_REACH_NLRI", 15: "MP_UNREACH_NLRI",
              16: "EXT_COMMUNITIES", 17: "AS4_PATH", 18: "AS4_AGGREGATOR", 22: "PMSI_TUNNEL",
              26: "AIGP", 32: "LARGE_COMMUNITY", 35: "OTC", 128: "ATTR_SET"}
WELL_KNOWN = {1, 2, 3, 5, 6}
NON_TRANSITIVE = {4, 9, 10, 14, 15, 26}
WK_COMMUNITIES = {0xFFFFFF01: "no-export", 0xFFFFFF02: "no-advertise", 0xFFFFFF03: "no-export-subconfed",
                  0xFFFF0000: "graceful-shutdown", 0xFFFF0006: "llgr-stale", 0xFFFF0007: "no-llgr",
                  0xFFFF029A: "blackhole", 0xFFFFFF04: "no-peer", 0xFFFF0001: "accept-own"}
ORIGINS = {0: "igp", 1: "egp", 2: "incomplete"}


def parse_prefixes(data, afi, addpath):
    out = []
    i = 0
    alen = 4 if afi == 1 else 16
    while i < len(data):
        pid = None
        if addpath:
            pid = struct.unpack("!I", data[i:i + 4])[0]
            i += 4
        plen = data[i]
        nb = (plen + 7) // 8
        if plen > alen * 8 or i + 1 + nb > len(data):
            raise ValueError(f"bad prefix length {plen} at NLRI offset {i} (add-path {addpath})")
        raw = data[i + 1:i + 1 + nb] + b"\x00" * (alen - nb)
        i += 1 + nb
        addr = ipaddress.IPv4Address(raw) if afi == 1 else ipaddress.IPv6Address(raw)
        out.append((pid, f"{addr}/{plen}"))
    return out


def fmt_prefixes(pfx, maxn=4):
    s = [(f"{p}" if pid is None else f"{p} id {pid}") for pid, p in pfx[:maxn]]
    if len(pfx) > maxn:
        s.append(f"+{len(pfx) - maxn} more")
    return ", ".join(s)


def as_path_str(v, four):
    w = 4 if four else 2
    segs = []
    i = 0
    while i + 2 <= len(v):
        t, n = v[i], v[i + 1]
        i += 2
        asns = [int.from_bytes(v[i + k * w:i + (k + 1) * w], "big") for k in range(n)]
        i += n * w
        body = " ".join(str(a) for a in asns)
        segs.append({1: "{%s}", 2: "%s", 3: "(%s)", 4: "[%s]"}.get(t, "?%s") % body)
    return " ".join(segs) if segs else "empty"


def decode_update(msg, four, addpath_fams, notes, tags):
    b = msg[19:]
    wlen = struct.unpack("!H", b[:2])[0]
    withdrawn = b[2:2 + wlen]
    alen = struct.unpack("!H", b[2 + wlen:4 + wlen])[0]
    attrs = b[4 + wlen:4 + wlen + alen]
    nlri = b[4 + wlen + alen:]
    ap4 = "ipv4-unicast" in addpath_fams
    parts = []
    families = set()
    if wlen:
        w = parse_prefixes(withdrawn, 1, ap4)
        families.add("ipv4-unicast")
        tags.add(("withdraw", "ipv4-unicast", len(w) > 1))
        parts.append(f"withdraw {len(w)} IPv4 ({fmt_prefixes(w)})")
    if not wlen and not alen and not nlri:
        tags.add(("eor", "ipv4-unicast"))
        return "UPDATE End-of-RIB ipv4-unicast", {"ipv4-unicast"}, ["EOR"]
    codes = []
    extlen = []
    adesc = []
    i = 0
    while i < len(attrs):
        flags, code = attrs[i], attrs[i + 1]
        if flags & 0x10:
            ln = struct.unpack("!H", attrs[i + 2:i + 4])[0]
            v = attrs[i + 4:i + 4 + ln]
            i += 4 + ln
            if ln < 256:
                extlen.append(f"{ATTR_NAMES.get(code, code)}({ln}B)")
        else:
            ln = attrs[i + 2]
            v = attrs[i + 3:i + 3 + ln]
            i += 3 + ln
        codes.append(code)
        tags.add(("attr", code))
        tags.add(("attrflags", code, flags))
        name = ATTR_NAMES.get(code, f"ATTR{code}")
        exp = 0x40 if code in WELL_KNOWN else (0x80 if code in NON_TRANSITIVE else 0xC0)
        if code in ATTR_NAMES and (flags & 0xE0) != exp:
            notes.append(f"{name} flags 0x{flags:02x}")
        if flags & 0x0F:
            notes.append(f"{name} low flag bits 0x{flags & 0x0F:x}")
        d = name
        if code == 1:
            d = f"ORIGIN {ORIGINS.get(v[0], v[0])}"
        elif code in (2, 17):
            d = f"{name} {as_path_str(v, four or code == 17)}"
            tags.add((name, "empty" if not v else "set" if "{" in d else "seq"))
        elif code == 3:
            d = f"NEXT_HOP {ipaddress.IPv4Address(v)}"
        elif code in (4, 5):
            d = f"{name} {struct.unpack('!I', v)[0]}"
        elif code in (7, 18):
            w = 4 if (four or code == 18 or len(v) == 8) else 2
            d = f"{name} {int.from_bytes(v[:w], 'big')}:{ipaddress.IPv4Address(v[w:w + 4])}"
        elif code == 8:
            cs = []
            for k in range(0, len(v), 4):
                c = struct.unpack("!I", v[k:k + 4])[0]
                cs.append(WK_COMMUNITIES.get(c, f"{c >> 16}:{c & 0xFFFF}"))
                if c in WK_COMMUNITIES:
                    tags.add(("wk-community", c))
            d = f"COMMUNITIES {' '.join(cs)}"
        elif code == 9:
            d = f"ORIGINATOR_ID {ipaddress.IPv4Address(v)}"
        elif code == 10:
            d = "CLUSTER_LIST " + " ".join(str(ipaddress.IPv4Address(v[k:k + 4])) for k in range(0, len(v), 4))
        elif code == 16:
            es = []
            for k in range(0, len(v), 8):
                e = v[k:k + 8]
                t, st = e[0], e[1]
                sub = {2: "rt", 3: "soo"}.get(st, f"sub{st}")
                if t & 0x3F == 0:
                    es.append(f"{sub} {struct.unpack('!H', e[2:4])[0]}:{struct.unpack('!I', e[4:8])[0]}")
                elif t & 0x3F == 1:
                    es.append(f"{sub} {ipaddress.IPv4Address(e[2:6])}:{struct.unpack('!H', e[6:8])[0]}")
                elif t & 0x3F == 2:
                    es.append(f"{sub} {struct.unpack('!I', e[2:6])[0]}:{struct.unpack('!H', e[6:8])[0]} (4-octet AS)")
                else:
                    es.append(f"type 0x{t:02x}/0x{st:02x}")
            d = f"EXT_COMMUNITIES {', '.join(es)}"
        elif code == 32:
            ls = [":".join(str(x) for x in struct.unpack("!III", v[k:k + 12])) for k in range(0, len(v), 12)]
            d = f"LARGE_COMMUNITY {' '.join(ls)}"
        elif code == 35:
            d = f"OTC {struct.unpack('!I', v)[0]}"
        elif code == 14:
            afi, safi, nhl = struct.unpack("!HBB", v[:4])
            fam = af_name(afi, safi)
            families.add(fam)
            nh = v[4:4 + nhl]
            if afi == 2 and nhl in (16, 32):
                nhs = " + ".join(str(ipaddress.IPv6Address(nh[k:k + 16])) for k in range(0, nhl, 16))
            elif afi == 1 and nhl == 4:
                nhs = str(ipaddress.IPv4Address(nh))
            else:
                nhs = nh.hex()
            if v[4 + nhl] != 0:
                notes.append(f"MP_REACH reserved byte 0x{v[4 + nhl]:02x}")
            pf = parse_prefixes(v[5 + nhl:], afi, fam in addpath_fams) if safi in (1, 2) else []
            tags.add(("announce", fam, len(pf) > 1))
            tags.add(("nexthop", fam, nhl))
            d = f"MP_REACH {fam} nh {nhl}B {nhs}; {len(pf)} prefix{'es' if len(pf) != 1 else ''} ({fmt_prefixes(pf)})"
        elif code == 15:
            afi, safi = struct.unpack("!HB", v[:3])
            fam = af_name(afi, safi)
            families.add(fam)
            pf = parse_prefixes(v[3:], afi, fam in addpath_fams) if safi in (1, 2) else []
            if not pf and len(attrs) == 3 + ln:
                tags.add(("eor", fam))
                return f"UPDATE End-of-RIB {fam} (bare MP_UNREACH_NLRI)", families, ["EOR"]
            tags.add(("withdraw", fam, len(pf) > 1))
            d = f"MP_UNREACH {fam} {len(pf)} prefix{'es' if len(pf) != 1 else ''} ({fmt_prefixes(pf)})"
        if flags & 0x20 and code not in WELL_KNOWN:
            tags.add("partial")
            d += " [partial]"
        adesc.append(d)
    if codes != sorted(codes):
        tags.add("attr-order")
        notes.append("attribute type order " + ",".join(str(c) for c in codes))
    if extlen:
        tags.add("extlen-short")
        notes.append("extended-length flag on short " + ", ".join(extlen))
    if nlri:
        n = parse_prefixes(nlri, 1, ap4)
        families.add("ipv4-unicast")
        tags.add(("announce", "ipv4-unicast", len(n) > 1))
        parts.append(f"announce {len(n)} IPv4 ({fmt_prefixes(n)})")
    text = "UPDATE " + "; ".join(parts + adesc)
    return text, families, codes


NOTIF = {1: "Message Header Error", 2: "OPEN Message Error", 3: "UPDATE Message Error",
         4: "Hold Timer Expired", 5: "FSM Error", 6: "Cease", 7: "ROUTE-REFRESH Message Error"}
CEASE = {1: "Max Prefixes", 2: "Administrative Shutdown", 3: "Peer De-configured",
         4: "Administrative Reset", 5: "Connection Rejected", 6: "Other Configuration Change",
         7: "Connection Collision Resolution", 8: "Out of Resources", 9: "Hard Reset",
         10: "BFD Down"}
OPEN_ERR = {1: "Unsupported Version", 2: "Bad Peer AS", 3: "Bad BGP Identifier",
            4: "Unsupported Optional Parameter", 6: "Unacceptable Hold Time",
            7: "Unsupported Capability", 11: "Role Mismatch"}


def describe_notification(msg):
    code, sub = msg[19], msg[20]
    data = msg[21:]
    name = NOTIF.get(code, f"code {code}")
    subn = (CEASE if code == 6 else OPEN_ERR if code == 2 else {}).get(sub, f"subcode {sub}")
    s = f"NOTIFICATION {name} / {subn} ({code}/{sub})"
    if code == 6 and sub in (2, 4) and data:
        ln = data[0]
        txt = data[1:1 + ln].decode(errors="replace")
        s += f" with RFC 9003 message {txt!r}"
        if len(data) > 1 + ln:
            s += f" + {len(data) - 1 - ln} trailing bytes"
    elif code == 6 and sub == 9 and len(data) >= 2:
        inner = NOTIF.get(data[0], data[0])
        innersub = (CEASE if data[0] == 6 else {}).get(data[1], data[1])
        s += f" wrapping {inner}/{innersub}"
        if data[0] == 6 and data[1] in (2, 4) and len(data) > 2:
            s += f" message {data[3:3 + data[2]].decode(errors='replace')!r}"
    elif data:
        s += f", data {data.hex()}"
    return s


def describe_refresh(msg):
    afi, sub, safi = struct.unpack("!HBB", msg[19:23])
    kind = {0: "ROUTE-REFRESH", 1: "ROUTE-REFRESH BoRR (enhanced, begin)", 2: "ROUTE-REFRESH EoRR (enhanced, end)"}.get(sub, f"ROUTE-REFRESH subtype {sub}")
    s = f"{kind} {af_name(afi, safi)}"
    if len(msg) > 23:
        s += f" + {len(msg) - 23} bytes ORF"
    return s, af_name(afi, safi)


# ---------------------------------------------------------------- main


def features(m, mtype, tags):
    """Labels for the README table (category, label)."""
    out = set()
    if mtype == "OPEN":
        o = parse_open(m)
        codes = {c for c, _ in o["caps"]}
        mp = {struct.unpack("!H", v[:2])[0] for c, v in o["caps"] if c == 1}
        out.add(("OPEN", "OPEN (any)"))
        if {1, 2} <= mp:
            out.add(("OPEN", "multiprotocol IPv4 + IPv6 in one OPEN"))
        for c in sorted(codes):
            if c > 0:
                out.add(("OPEN", f"capability {c} {CAP_NAMES.get(c, '')}".strip()))
        if 65 not in codes:
            out.add(("OPEN", "no 4-octet AS capability"))
        elif o["as"] == 23456:
            out.add(("OPEN", "My AS = AS_TRANS (4-byte local AS)"))
        if o["extended"]:
            out.add(("OPEN", "RFC 9072 extended optional parameters"))
        if o["nparams"] > 1:
            out.add(("OPEN", "one capability per optional parameter"))
        for c, v in o["caps"]:
            if c == 64 and v and v[0] & 0x80:
                out.add(("OPEN", "GR restart-state (R) bit set"))
            if c == 71 and not v:
                out.add(("OPEN", "empty LLGR capability"))
    elif mtype == "UPDATE":
        for t in tags:
            if not isinstance(t, tuple):
                lab = {"attr-order": "attributes not in type-code order",
                       "extlen-short": "extended-length flag on attribute < 256 bytes",
                       "partial": "partial bit set"}.get(t)
                if lab:
                    out.add(("UPDATE encoding", lab))
                continue
            k = t[0]
            if k == "attr":
                out.add(("UPDATE attribute", f"{t[1]} {ATTR_NAMES.get(t[1], '?')}"))
            elif k == "eor":
                out.add(("UPDATE", f"End-of-RIB {t[1]}"))
            elif k == "announce":
                out.add(("UPDATE", f"announce {t[1]}"))
                if t[2]:
                    out.add(("UPDATE", "several prefixes in one UPDATE"))
            elif k == "withdraw":
                out.add(("UPDATE", f"withdraw {t[1]}"))
            elif k == "nexthop" and t[1] == "ipv6-unicast":
                out.add(("UPDATE", f"IPv6 next hop {t[2]} bytes" + (" (global + link-local)" if t[2] == 32 else "")))
            elif k == "addpath" and t[1]:
                out.add(("UPDATE", "ADD-PATH path identifiers"))
            elif k == "as4" and not t[1]:
                out.add(("UPDATE", "2-octet AS encoding (session without AS4)"))
            elif k == "AS_PATH" and t[1] == "set":
                out.add(("UPDATE", "AS_SET segment"))
            elif k == "AS_PATH" and t[1] == "empty":
                out.add(("UPDATE", "empty AS_PATH"))
            elif k == "big" and t[1]:
                out.add(("UPDATE", "extended message (> 4096 bytes)"))
            elif k == "wk-community":
                out.add(("UPDATE", f"well-known community {WK_COMMUNITIES[t[1]]}"))
    elif mtype == "NOTIFICATION":
        code, sub = m[19], m[20]
        subn = (CEASE if code == 6 else OPEN_ERR if code == 2 else {}).get(sub, f"subcode {sub}")
        lab = f"{code}/{sub} {NOTIF.get(code, code)} / {subn}"
        if code == 6 and sub in (2, 4) and len(m) > 21 and m[21]:
            lab += " + shutdown message"
        if code == 6 and sub == 9 and len(m) >= 23:
            lab += f" (wrapping {m[21]}/{m[22]})"
        out.add(("NOTIFICATION", lab))
    elif mtype == "ROUTE-REFRESH":
        out.add(("ROUTE-REFRESH", {0: "ROUTE-REFRESH request", 1: "BoRR", 2: "EoRR"}.get(m[21], f"subtype {m[21]}")
                 + f" {af_name(struct.unpack('!H', m[19:21])[0], m[22])}"))
    elif mtype == "KEEPALIVE":
        out.add(("KEEPALIVE", "KEEPALIVE"))
    return out


README_HEAD = """# Captured BGP messages (golden vectors)

Real BGP messages sent by three BGP implementations to each other, captured
on the wire and split into individual messages. Each `*.json` file holds the
messages **sent by** one implementation:

| file | sender |
|------|--------|
{files}

Each entry: `source` (sender), `peer` (receiver), `session` (see below),
`type`, `description` (decoded summary, with encoding oddities in brackets),
`addPath` / `addPathFamilies` (the sender transmits ADD-PATH path identifiers
for that message's family on that session, as negotiated by the two OPENs),
`fourOctetAs` (both OPENs carried the 4-octet AS capability, so AS numbers in
AS_PATH/AGGREGATOR are 4 bytes wide), `hex` (the complete message, marker
included). Every message starts with 16 x 0xff and its length field equals
its size. Messages are de-duplicated by bytes and thinned to a varied subset
(all distinct OPEN/NOTIFICATION/ROUTE-REFRESH messages, one KEEPALIVE, and the
UPDATEs that add a new attribute, flag byte, family, next-hop length, add-path
or AS-size combination, peer or session, topped up to {maxn} per file).

## Versions and date

Captured {date}:

{versions}

## Topology

Four network namespaces created by the script (nothing touches the root
namespace): `pv-sw` holds a bridge; `pv-bird`, `pv-frr` and `pv-gobgp` each
run one daemon on a veth attached to it, all on one L2 segment
(198.18.0.0/24, 2001:db8::/64; BIRD .1/::1, FRR .2/::2, GoBGP .3/::3; fixed
MACs give link-locals fe80::ff:fe00:1..3). FRR runs bgpd plus zebra (zebra is
needed for link-local IPv6 next hops). tshark captures TCP port 179 on each
daemon's interface. Sessions: each pair of daemons has one session over IPv4
(IPv4 unicast) and one over IPv6 (IPv6 unicast; in the ebgp phase BIRD and
FRR also offer IPv4 unicast there, without sending any IPv4 routes). Two
phases, each with fresh namespaces and daemons:

* `ebgp-*`: BIRD AS 4200000001 (4-byte), FRR AS 65002, GoBGP AS 65003.
  Graceful restart, long-lived GR, enhanced route refresh, ADD-PATH,
  extended messages, BGP roles (BIRD customer of FRR, peer of GoBGP; FRR adds
  OTC), FRR aggregates (plain and `as-set`), 1100 extra BIRD /28s (FRR sends
  them back in one extended message). Then: route refresh, announce and
  withdraw, BIRD killed with SIGKILL and restarted with `bird -R` (peers send
  LLGR_STALE routes, BIRD's OPEN has the R bit), then session teardowns
  (shutdown with RFC 9003 message, configuration change, de-configuration).
  `ebgp-ipv4-bad-peer-as`: three extra sessions (198.18.0.11-13) that are
  mis-configured on purpose (wrong peer AS; FRR also uses RFC 9072 extended
  optional parameters there) and never reach Established.
* `ibgp-*`: all in AS 65000; BIRD is route reflector for FRR and GoBGP, FRR
  for GoBGP, GoBGP for BIRD (ORIGINATOR_ID/CLUSTER_LIST). BIRD disables AS4 on
  `ibgp-ipv4-no-as4` and `ibgp-ipv6-no-as4` (AS_TRANS, AS4_PATH,
  AS4_AGGREGATOR). Then route refresh, announce/withdraw, FRR
  `bgp graceful-shutdown` (GRACEFUL_SHUTDOWN community), teardowns.

## Regenerating

As root, from the repository root:

    test/vectors/capture/capture.sh            # writes test/vectors/captured/
    KEEP_WORK=1 test/vectors/capture/capture.sh /tmp/out   # keep pcaps/logs in /tmp/petrel-bgp-capture

Needs bird2, frr (bgpd, zebra, vtysh), gobgpd/gobgp, tshark, python3,
iproute2, util-linux `unshare`. Takes about 90 seconds. Message bytes differ
between runs (timing, path ids, ordering); the set of shapes should not.

## Message shapes per file

Number of messages in each file showing the feature.

"""

README_TAIL = """
## Observations (with the versions above)

* BIRD puts MP_REACH_NLRI / MP_UNREACH_NLRI first (before ORIGIN) and always
  sets the extended-length flag on them; FRR also puts MP_REACH_NLRI first and
  sets extended length on every AS_PATH/AS4_PATH (even a 0-byte one) and on
  MP_* attributes; GoBGP puts MP_REACH_NLRI last (after LARGE_COMMUNITY) and
  in one case NEXT_HOP after LARGE_COMMUNITY, and keeps the flag byte of
  attributes it relays (FRR's extended-length AS_PATH).
* FRR sends one capability per optional parameter, BIRD and GoBGP pack all
  capabilities into one. FRR always sends the old Cisco route-refresh (128),
  an LLGR capability with stale time 0 when LLGR is not configured, and the
  GR restart-state (R) bit right after start. BIRD sends an empty LLGR
  capability when GR is on and LLGR off. GoBGP advertises extended next hop
  (IPv4 unicast over IPv6) on IPv4 sessions and an FQDN capability with the
  host name.
* With GR notification (N bit) negotiated, FRR wraps its Cease in a Hard
  Reset (6/9). GoBGP's `neighbor X disable` sends no shutdown message, the
  deprecated `shutdown --reason` does.
* FRR sends, to eBGP peers on the segment, a third-party global next hop
  together with its own link-local address (32-byte next hop). GoBGP sends
  AIGP to eBGP peers. FRR reflects routes back to the peer they came from
  (BIRD then drops them as AS-path loops): that is the 1100-prefix extended
  UPDATE.
* FRR with `neighbor X extended-optional-parameters` cannot parse a peer's
  normal OPEN (NOTIFICATION 2/0); it is used only on a bad-peer-AS session.
  Without zebra, FRR rejects BIRD's link-local next hop and then misparses
  the ADD-PATH NLRI (3/10), hence zebra.
* Not captured: ROUTE-REFRESH from GoBGP (`gobgp neighbor X softresetin`
  re-applies policy to the stored Adj-RIB-In and sends nothing); BIRD cannot
  originate ATOMIC_AGGREGATE/AGGREGATOR (2.0.12 filters cannot set them) but
  relays them; BIRD never exceeded 4096 bytes (it flushes its export batches
  in UPDATEs of ~2.3 kB) - FRR provides the extended message.
"""


def write_readme(path, info, table, counts):
    impls = sorted(table)
    files = "\n".join(f"| `{i}.json` | {info.get('names', {}).get(i, i)} "
                      f"({counts[i][0]} messages: " + ", ".join(f"{v} {k}" for k, v in sorted(counts[i][1].items()))
                      + ") |" for i in impls)
    versions = "\n".join(f"* {k}: `{v}`" for k, v in info.get("versions", {}).items()) or "* (unknown)"
    head = README_HEAD.format(files=files, maxn=MAX_PER_IMPL, date=info.get("date", "unknown date"), versions=versions)
    order = ["OPEN", "UPDATE", "UPDATE attribute", "UPDATE encoding", "NOTIFICATION", "ROUTE-REFRESH", "KEEPALIVE"]
    keys = sorted({k for i in impls for k in table[i]},
                  key=lambda k: (order.index(k[0]) if k[0] in order else 99,
                                 int(re.match(r"(?:capability )?(\d+)", k[1]).group(1)) if re.match(r"(?:capability )?\d+ ", k[1]) else 0,
                                 k[1]))
    lines = ["| kind | shape | " + " | ".join(impls) + " |", "|---|---|" + "---|" * len(impls)]
    for cat, lab in keys:
        lines.append(f"| {cat} | {lab} | " + " | ".join(str(table[i].get((cat, lab), "")) or "-" for i in impls) + " |")
    with open(path, "w") as f:
        f.write(head + "\n".join(lines) + "\n" + README_TAIL)


MAX_PER_IMPL = 60


def select(cands):
    """Pick a varied subset of one implementation's distinct messages.

    Pass 1 keeps every OPEN, NOTIFICATION and ROUTE-REFRESH, one KEEPALIVE,
    and each UPDATE that shows something not seen yet (a new attribute,
    flag byte, family/next-hop length, add-path or 4-octet combination,
    peer or session). Pass 2 tops up with UPDATEs of not yet kept shapes
    until MAX_PER_IMPL."""
    keep = set()
    covered = set()
    shapes = set()
    for i, c in enumerate(cands):
        if c["type"] in ("OPEN", "NOTIFICATION", "ROUTE-REFRESH") or (c["type"] == "KEEPALIVE" and "KEEPALIVE" not in covered):
            keep.add(i)
            covered.add(c["type"])
    for i, c in enumerate(cands):
        if c["type"] != "UPDATE":
            continue
        new = c["tags"] - covered
        if new:
            keep.add(i)
            covered |= c["tags"]
            shapes.add(c["shape"])
    for i, c in enumerate(cands):
        if len(keep) >= MAX_PER_IMPL:
            break
        if c["type"] == "UPDATE" and i not in keep and c["shape"] not in shapes:
            keep.add(i)
            shapes.add(c["shape"])
    return [c for i, c in enumerate(cands) if i in keep]


def main():
    args = sys.argv[1:]
    info = {}
    if args[:1] == ["--info"]:
        with open(args[1]) as f:
            info = json.load(f)
        args = args[2:]
    outdir = args[0]
    phasedirs = args[1:]
    cands = defaultdict(list)  # impl -> candidate records, in capture order
    seen = defaultdict(set)
    total = defaultdict(int)
    for pd in phasedirs:
        with open(os.path.join(pd, "meta.json")) as f:
            meta = json.load(f)
        hosts = meta["hosts"]
        sessions = {frozenset((s["a"], s["b"])): s["name"] for s in meta["sessions"]}
        pcaps = sorted(os.path.join(pd, n) for n in os.listdir(pd) if n.endswith(".pcap"))
        conns = load_connections(pcaps)
        allmsgs = []
        for a, b in conns:
            dirs = [h for h in (a, b) if h is not None]
            streams = {}
            opens = {}
            for h in dirs:
                buf, times = h.assemble()
                msgs = split_messages(buf, times)
                streams[h.key] = msgs
                for _, m in msgs:
                    if m[18] == 1:
                        opens[h.key] = parse_open(m)
                        break
            for h in dirs:
                src, _, dst, _ = h.key
                rkey = (h.key[2], h.key[3], h.key[0], h.key[1])
                o_s, o_r = opens.get(h.key), opens.get(rkey)
                four = False
                fams = []
                if o_s and o_r:
                    as4s, aps = open_negotiation(o_s)
                    as4r, apr = open_negotiation(o_r)
                    four = as4s and as4r
                    fams = sorted(f for f, bits in aps.items() if bits & 2 and apr.get(f, 0) & 1)
                for ts, m in streams[h.key]:
                    allmsgs.append((ts, src, dst, m, four, fams))
        allmsgs.sort(key=lambda x: x[0])
        for ts, src, dst, m, four, fams in allmsgs:
            impl = hosts.get(src)
            peer = hosts.get(dst, "unknown")
            if impl is None:
                continue
            total[impl] += 1
            session = sessions.get(frozenset((src, dst)), f"{meta['phase']}-unknown")
            hx = m.hex()
            if hx in seen[impl]:
                continue
            seen[impl].add(hx)
            mtype = TYPES.get(m[18], f"TYPE{m[18]}")
            notes = []
            msg_fams = set()
            tags = {("peer", peer), ("session", session)}
            shape = (mtype,)
            try:
                if mtype == "OPEN":
                    desc = describe_open(m)
                elif mtype == "UPDATE":
                    desc, msg_fams, codes = decode_update(m, four, fams, notes, tags)
                    ap = bool(set(fams) & msg_fams)
                    tags |= {("addpath", ap), ("as4", four), ("big", len(m) > 4096)}
                    tags |= {("fam-addpath-as4", f, ap, four) for f in msg_fams}
                    shape = (mtype, tuple(codes), tuple(sorted(msg_fams)), ap, four, session)
                elif mtype == "NOTIFICATION":
                    desc = describe_notification(m)
                elif mtype == "ROUTE-REFRESH":
                    desc, fam = describe_refresh(m)
                    msg_fams = {fam}
                elif mtype == "KEEPALIVE":
                    desc = "KEEPALIVE"
                else:
                    desc = f"unknown message type {m[18]}"
            except Exception as e:  # keep going; record the problem
                desc = f"{mtype} (decoder error: {e})"
                sys.stderr.write(f"warning: {impl}->{peer} {session}: {desc}\n")
            if mtype == "UPDATE" and len(m) > 4096:
                desc += f" [extended message, {len(m)} bytes]"
            if notes:
                desc += " [" + "; ".join(dict.fromkeys(notes)) + "]"
            if mtype == "UPDATE":
                addpath = bool(set(fams) & msg_fams)
            else:
                addpath = bool(fams)
            rec = {"source": impl, "peer": peer, "session": session, "type": mtype,
                   "description": desc, "addPath": addpath, "fourOctetAs": four}
            if addpath:
                rec["addPathFamilies"] = fams
            rec["hex"] = hx
            cands[impl].append({"type": mtype, "tags": tags, "shape": shape, "rec": rec, "notes": notes,
                                "features": features(m, mtype, tags)})
    os.makedirs(outdir, exist_ok=True)
    table = {}
    counts_all = {}
    for impl, cl in sorted(cands.items()):
        chosen = select(cl)
        table[impl] = defaultdict(int)
        for c in chosen:
            for ft in c["features"]:
                table[impl][ft] += 1
        recs = [c["rec"] for c in chosen]
        path = os.path.join(outdir, f"{impl}.json")
        with open(path, "w") as f:
            json.dump(recs, f, indent=2)
            f.write("\n")
        counts = defaultdict(int)
        for r in recs:
            counts[r["type"]] += 1
        print(f"{path}: {len(recs)} messages (of {len(cl)} distinct, {total[impl]} captured): "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        notes = defaultdict(int)
        for c in cl:
            for n in set(c["notes"]):
                notes[re.sub(r"\(\d+B\)", "", n)] += 1
        for n, k in sorted(notes.items()):
            print(f"  note ({impl}, {k} msgs): {n}")
        counts_all[impl] = (len(recs), dict(counts))
    write_readme(os.path.join(outdir, "README.md"), info, table, counts_all)


if __name__ == "__main__":
    main()
