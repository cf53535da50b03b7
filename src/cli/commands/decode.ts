import { parseArgs } from 'node:util';
import { fromHex } from '../../lib/hex.js';
import {
  BgpError,
  decodeContext,
  decodeMessage,
  Framer,
  IPV4_UNICAST,
  IPV6_UNICAST,
  messageToJson,
  notificationName,
  type FamilyKey,
} from '../../wire/index.js';
import { toHex } from '../../lib/hex.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Decode a stream of BGP messages given as hex, printing one JSON object per
 * message with its RFC 7606 outcome. A message that would reset the session
 * prints the NOTIFICATION petrel would send, and the command exits 1.
 */
export async function runDecode(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'two-octet-as': { type: 'boolean', default: false },
      'add-path': { type: 'string', default: '' },
      ebgp: { type: 'boolean', default: false },
      'extended-message': { type: 'boolean', default: false },
    },
  });
  const addPath = new Set<FamilyKey>();
  for (const f of values['add-path'].split(',').filter(Boolean)) {
    if (f === 'ipv4') addPath.add(IPV4_UNICAST);
    else if (f === 'ipv6') addPath.add(IPV6_UNICAST);
    else throw new Error(`--add-path: unknown family '${f}' (ipv4, ipv6)`);
  }
  const ctx = decodeContext({
    fourOctetAs: !values['two-octet-as'],
    addPath,
    ebgp: values.ebgp,
    extendedMessage: values['extended-message'],
  });
  const text = positionals.length > 0 ? positionals.join('') : await readStdin();
  let bytes: Uint8Array;
  try {
    bytes = fromHex(text);
  } catch (e) {
    throw new Error(`input is not hex: ${(e as Error).message}`);
  }
  const framer = new Framer(ctx.extendedMessage);
  try {
    for (const frame of framer.push(bytes)) {
      const d = decodeMessage(frame, ctx);
      const out = { ...(messageToJson(d.message) as object), ...(d.action !== 'none' ? { action: d.action } : {}) };
      const problems = d.problems.map((p) => ({ attribute: p.code, action: p.action, reason: p.reason, data: toHex(p.data) }));
      console.log(JSON.stringify(problems.length > 0 ? { ...out, problems } : out));
    }
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    console.log(JSON.stringify({ notification: { code: e.code, subcode: e.subcode, name: notificationName(e.code, e.subcode), data: toHex(e.data), reason: e.message } }));
    return 1;
  }
  if (framer.buffered > 0) {
    console.error(`petrel decode: ${framer.buffered} trailing bytes do not form a complete message`);
    return 1;
  }
  return 0;
}
