/**
 * `petrel routes [--json] [--peer NAME] [--table loc|in|out] [--family ipv4|ipv6] [--api-socket PATH]`:
 * a table as `birdc show route` prints it, or its paths as a JSON array.
 * Streams: a large table is printed as it arrives, never held whole.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { connectApi } from '../../api/client.js';
import { showRouteLine } from '../../api/bird-format.js';
import type { Family, InjectedPath, PathQuery, Table } from '../../api/provider.js';
import { DEFAULT_API_SOCKET } from '../../api/socket.js';

const TABLES: readonly Table[] = ['loc', 'in', 'out'];
const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** Writes to stdout, waiting when the reader (a pager, a pipe) is behind. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

export function parseRoutesArgs(args: string[]): { query: PathQuery; json: boolean; socket: string } {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      peer: { type: 'string' },
      table: { type: 'string', default: 'loc' },
      family: { type: 'string' },
      'api-socket': { type: 'string', default: DEFAULT_API_SOCKET },
    },
  });
  const table = values.table as Table;
  if (!TABLES.includes(table)) throw new Error(`routes: --table must be one of ${TABLES.join(', ')}`);
  if (table !== 'loc' && !values.peer) throw new Error(`routes: --table ${table} needs --peer NAME`);
  const family = values.family as Family | undefined;
  if (family !== undefined && !FAMILIES.includes(family)) throw new Error(`routes: --family must be ipv4 or ipv6`);
  return {
    query: { table, ...(values.peer ? { peer: values.peer } : {}), ...(family ? { family } : {}) },
    json: values.json,
    socket: values['api-socket'],
  };
}

/**
 * `petrel routes add PREFIX [--next-hop IP]... [--as-path "A B C"] [--origin igp|egp|incomplete]
 * [--med N] [--local-pref N] [--community C]... [--large-community G:L1:L2]... [--extended-community X]...`
 * and `petrel routes del PREFIX`: operator-injected paths (the API's AddPath / DeletePath).
 */
export function parseInjectArgs(verb: 'add' | 'del', args: string[]): { path: InjectedPath; socket: string } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'next-hop': { type: 'string', multiple: true, default: [] },
      'as-path': { type: 'string', default: '' },
      origin: { type: 'string', default: 'igp' },
      med: { type: 'string' },
      'local-pref': { type: 'string' },
      community: { type: 'string', multiple: true, default: [] },
      'large-community': { type: 'string', multiple: true, default: [] },
      'extended-community': { type: 'string', multiple: true, default: [] },
      'api-socket': { type: 'string', default: DEFAULT_API_SOCKET },
    },
  });
  const prefix = positionals[0];
  if (!prefix || positionals.length > 1) throw new Error(`routes ${verb}: give exactly one PREFIX`);
  const origin = values.origin as InjectedPath['origin'];
  if (!['igp', 'egp', 'incomplete'].includes(origin)) throw new Error('routes add: --origin must be igp, egp or incomplete');
  const num = (v: string | undefined, flag: string): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new Error(`routes add: ${flag} must be a whole number 0..4294967295`);
    return Number(v);
  };
  const asns = values['as-path'].trim() === '' ? [] : values['as-path'].trim().split(/[\s,]+/).map((x) => num(x, '--as-path')!);
  const med = num(values.med, '--med');
  const localPref = num(values['local-pref'], '--local-pref');
  const path: InjectedPath = {
    family: prefix.includes(':') ? 'ipv6' : 'ipv4',
    prefix,
    pathId: 0,
    nextHops: values['next-hop'],
    asPath: asns.length > 0 ? [{ type: 'sequence', numbers: asns }] : [],
    origin,
    ...(med !== undefined ? { med } : {}),
    ...(localPref !== undefined ? { localPref } : {}),
    communities: values.community,
    largeCommunities: values['large-community'].map((t) => {
      const parts = t.split(':').map((x) => num(x, '--large-community'));
      if (parts.length !== 3) throw new Error(`routes add: --large-community "${t}" is not GLOBAL:LOCAL1:LOCAL2`);
      return { globalAdmin: parts[0]!, localData1: parts[1]!, localData2: parts[2]! };
    }),
    extendedCommunities: values['extended-community'],
  };
  return { path, socket: values['api-socket'] };
}

export async function runInject(verb: 'add' | 'del', args: string[]): Promise<number> {
  const { path, socket } = parseInjectArgs(verb, args);
  const client = connectApi(socket);
  try {
    if (verb === 'add') await client.addPath(path);
    else await client.deletePath({ family: path.family, prefix: path.prefix, pathId: 0 });
    process.stdout.write(`${verb === 'add' ? 'added' : 'deleted'} ${path.prefix}\n`);
    return 0;
  } finally {
    client.close();
  }
}

export async function runRoutes(args: string[]): Promise<number> {
  if (args[0] === 'add' || args[0] === 'del') return runInject(args[0], args.slice(1));
  const { query, json, socket } = parseRoutesArgs(args);
  const client = connectApi(socket);
  try {
    let first = true;
    let previousPrefix = '';
    const now = Date.now();
    for await (const path of client.listPaths(query)) {
      if (json) {
        await write(`${first ? '[\n' : ',\n'}  ${JSON.stringify(path)}`);
      } else {
        await write(`${showRouteLine(path, { firstOfPrefix: path.prefix !== previousPrefix, table: query.table, now })}\n`);
        previousPrefix = path.prefix;
      }
      first = false;
    }
    if (json) await write(first ? '[]\n' : '\n]\n');
    return 0;
  } finally {
    client.close();
  }
}
