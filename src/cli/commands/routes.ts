/**
 * `petrel routes [--json] [--peer NAME] [--table loc|in|out] [--family ipv4|ipv6] [--api-socket PATH]`:
 * a table as `birdc show route` prints it, or its paths as a JSON array.
 * Streams: a large table is printed as it arrives, never held whole.
 */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { connectApi } from '../../api/client.js';
import { showRouteLine } from '../../api/bird-format.js';
import type { Family, PathQuery, Table } from '../../api/provider.js';
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

export async function runRoutes(args: string[]): Promise<number> {
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
