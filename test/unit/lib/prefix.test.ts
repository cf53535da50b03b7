import assert from 'node:assert/strict';
import { formatIpv4, formatIpv6, formatPrefix, ipv4Prefix, parseIpv4, parseIpv6, parsePrefix, prefixEquals } from '../../../src/lib/prefix.js';
import { fromHex, toHex } from '../../../src/lib/hex.js';
import { ByteWriter, allocate, copyBytes } from '../../../src/lib/bytes.js';

describe('lib/prefix', () => {
  it('parses and formats IPv4 as uint32', () => {
    assert.equal(parseIpv4('192.168.10.101'), 0xc0a80a65);
    assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
    assert.equal(formatIpv4(0xc0a80a65), '192.168.10.101');
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.x', '', '01.2.3.4444']) assert.equal(parseIpv4(bad), null, bad);
  });

  it('parses IPv6 in every RFC 4291 text form and formats per RFC 5952', () => {
    assert.equal(toHex(parseIpv6('2001:db8::1')!), '20010db8000000000000000000000001');
    assert.equal(toHex(parseIpv6('::')!), '0'.repeat(32));
    assert.equal(toHex(parseIpv6('::ffff:192.168.10.1')!), '00000000000000000000ffffc0a80a01');
    assert.equal(toHex(parseIpv6('fe80::a8c1:abff:fe22:1')!), 'fe80000000000000a8c1abfffe220001');
    assert.equal(formatIpv6(parseIpv6('2001:0db8:0000:0000:0001:0000:0000:0001')!), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpv6(new Uint8Array(16)), '::');
    for (const bad of ['1::2::3', '12345::', ':::', '1:2:3:4:5:6:7:8:9', 'g::1']) assert.equal(parseIpv6(bad), null, bad);
  });

  it('zeroes host bits and refuses them unless loose', () => {
    assert.equal(ipv4Prefix(0xac102205, 26).addr, 0xac102200);
    assert.equal(parsePrefix('172.16.34.5/26'), null);
    assert.equal(formatPrefix(parsePrefix('172.16.34.5/26', true)!), '172.16.34.0/26');
    assert.equal(formatPrefix(parsePrefix('0.0.0.0/0')!), '0.0.0.0/0');
    assert.equal(formatPrefix(parsePrefix('fd00:10:244::/122')!), 'fd00:10:244::/122');
    assert.equal(parsePrefix('fd00::1/64'), null);
    assert.equal(parsePrefix('10.0.0.0/33'), null);
    assert.ok(prefixEquals(parsePrefix('10.0.0.0/8')!, ipv4Prefix(0x0a000000, 8)));
    assert.ok(!prefixEquals(parsePrefix('10.0.0.0/8')!, parsePrefix('10.0.0.0/9')!));
  });
});

describe('lib/bytes and hex', () => {
  it('writes big-endian fields, grows, and patches lengths', () => {
    const w = new ByteWriter(2);
    w.u8(1).u16(0x0203).u24(0x040506).u32(0x0708090a);
    const at = w.reserve(2);
    w.bytes(Uint8Array.of(0xaa, 0xbb));
    w.patchU16(at, 2);
    assert.equal(toHex(w.finish()), '0102030405060708090a0002aabb');
    w.removeAt(0, 1);
    assert.equal(toHex(w.view()), '02030405060708090a0002aabb');
  });

  it('pooled results never overlap and copies never alias', () => {
    const a = allocate(10).fill(1);
    const b = allocate(10).fill(2);
    assert.ok(a.every((x) => x === 1));
    const big = allocate(100000);
    assert.equal(big.byteOffset, 0);
    const src = Buffer.from('abcdef');
    const c = copyBytes(src, 1, 3);
    src[1] = 0x7a;
    assert.equal(toHex(c), '6263');
    assert.equal(b[0], 2);
  });

  it('hex round trips and rejects junk', () => {
    assert.equal(toHex(fromHex('de ad:BE ef')), 'deadbeef');
    assert.throws(() => fromHex('abc'));
    assert.throws(() => fromHex('zz'));
  });
});
