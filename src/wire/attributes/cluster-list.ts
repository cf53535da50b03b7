import { readU32 } from '../../lib/bytes.js';
import { AttrCode } from '../constants.js';
import { UpdateSubcode } from '../notification-codes.js';
import { defineAttribute, Malformed } from './codec.js';

/**
 * CLUSTER_LIST, RFC 4456 §8. From an external peer it is discarded; from an
 * internal peer length 0 or not a multiple of 4 is treat-as-withdraw (RFC 7606 §7.10).
 */
export const clusterListCodec = defineAttribute({
  code: AttrCode.CLUSTER_LIST,
  kind: 'CLUSTER_LIST',
  optional: true,
  transitive: false,
  malformedAction: 'treat-as-withdraw',
  subcode: UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
  discardFromEbgp: true,
  size: (attr) => attr.clusterList.length * 4,
  decode(buf, start, end) {
    const len = end - start;
    if (len === 0 || len % 4 !== 0) return new Malformed(`length ${len} is not a positive multiple of 4`, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR);
    const clusterList = new Array<number>(len / 4);
    for (let i = 0; i < clusterList.length; i++) clusterList[i] = readU32(buf, start + i * 4);
    return { kind: 'CLUSTER_LIST', clusterList };
  },
  encode(attr, w) {
    for (const id of attr.clusterList) w.u32(id);
  },
});
