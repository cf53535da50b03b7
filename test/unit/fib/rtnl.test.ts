/** rtnetlink requests as bytes, and replies decoded (the kernel's layouts from linux/rtnetlink.h). */
import assert from 'node:assert/strict';
import { ipBytes } from '../../../src/fib/addr.js';
import { RequestWriter, decodeMessages, writeDelRoute, writeNewRoute } from '../../../src/fib/rtnl.js';
import { parsePrefix } from '../../../src/lib/prefix.js';

describe('fib: rtnetlink messages', () => {
  it('a single-hop onlink route decodes back to what was written', () => {
    const w = new RequestWriter();
    writeNewRoute(w, 7, { prefix: parsePrefix('172.16.1.0/26')!, protocol: 12, metric: 1024, blackhole: false, nextHops: [{ gateway: ipBytes('10.0.0.2')!, ifindex: 5, onlink: true }] });
    const buf = w.take();
    assert.equal(buf.readUInt32LE(0), buf.length);
    assert.equal(buf.readUInt16LE(4), 24); // RTM_NEWROUTE
    assert.equal(buf.readUInt16LE(6), 0x1 | 0x400 | 0x100); // REQUEST | CREATE | REPLACE
    const [m] = decodeMessages(buf);
    assert.equal(m!.kind, 'route');
    const r = (m as Extract<typeof m, { kind: 'route' }>)!.route;
    assert.deepEqual({ len: r.prefix.len, protocol: r.protocol, metric: r.metric, type: r.type, table: r.table }, { len: 26, protocol: 12, metric: 1024, type: 1, table: 254 });
    assert.deepEqual(r.nextHops.map((h) => [[...h.gateway!].join('.'), h.ifindex, h.onlink]), [['10.0.0.2', 5, true]]);
  });

  it('a multipath route carries one rtnexthop per next hop with its own flags', () => {
    const w = new RequestWriter();
    writeNewRoute(w, 1, {
      prefix: parsePrefix('fd00:1::/64')!,
      protocol: 12,
      metric: 1024,
      blackhole: false,
      nextHops: [
        { gateway: ipBytes('fd00::2')!, ifindex: 3, onlink: false },
        { gateway: ipBytes('fd00::3')!, ifindex: 4, onlink: true },
      ],
    });
    const [m] = decodeMessages(w.take());
    assert.equal(m?.kind, 'route');
    const r = (m as Extract<NonNullable<typeof m>, { kind: 'route' }>).route;
    assert.deepEqual(r.nextHops.map((h) => [h.ifindex, h.onlink]), [[3, false], [4, true]]);
  });

  it('several requests share one buffer; the last one asks for the ack', () => {
    const w = new RequestWriter();
    writeDelRoute(w, 1, parsePrefix('10.1.0.0/16')!, 12, 0);
    writeDelRoute(w, 2, parsePrefix('10.2.0.0/16')!, 12, 0);
    w.ackLast();
    const buf = w.take();
    const first = buf.readUInt32LE(0);
    assert.equal(buf.readUInt16LE(6) & 0x4, 0);
    assert.equal(buf.readUInt16LE(first + 6) & 0x4, 0x4);
    assert.equal(buf.readUInt32LE(first + 8), 2);
  });

  it('an error reply names the request by sequence number, with the kernel message', () => {
    // nlmsghdr(ERROR, flags CAPPED|ACK_TLVS) + error -22 + the request header + NLMSGERR_ATTR_MSG
    const text = Buffer.from('Nexthop has invalid gateway\0');
    const tlvLen = 4 + text.length;
    const total = 16 + 4 + 16 + ((tlvLen + 3) & ~3);
    const b = Buffer.alloc(total);
    b.writeUInt32LE(total, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(0x300, 6);
    b.writeInt32LE(-101, 16);
    b.writeUInt32LE(36, 20);
    b.writeUInt32LE(42, 28); // the request's seq
    b.writeUInt16LE(tlvLen, 36);
    b.writeUInt16LE(1, 38);
    text.copy(b, 40);
    assert.deepEqual(decodeMessages(b), [{ kind: 'error', seq: 42, errno: 101, message: 'Nexthop has invalid gateway' }]);
  });

  it('truncated or garbage input decodes to nothing rather than throwing', () => {
    assert.deepEqual(decodeMessages(Buffer.from([1, 2, 3])), []);
    const b = Buffer.alloc(20);
    b.writeUInt32LE(400, 0);
    assert.deepEqual(decodeMessages(b), []);
  });
});
