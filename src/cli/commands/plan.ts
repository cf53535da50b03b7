/**
 * `petrel plan --node NAME --datastore file:PATH`: the desired state of one
 * node as JSON (the contract in README.md). Exits 1 with every validation
 * problem listed when the datastore is invalid.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  CalicoConfigError,
  computeDesiredState,
  readEndpointStatusDir,
  loadResources,
  parseDatastoreUrl,
  toPlanJson,
  UnknownNodeError,
} from '../../calico/index.js';

export async function runPlan(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      node: { type: 'string' },
      datastore: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'endpoint-status-dir': { type: 'string' },
    },
  });
  const node = values.node ?? process.env['NODENAME'];
  if (!node) throw new Error('plan: --node NAME is required (or set NODENAME)');
  if (!values.datastore) throw new Error('plan: --datastore file:PATH is required');
  const path = parseDatastoreUrl(values.datastore);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read datastore ${path}: ${(e as Error).message}`);
  }
  try {
    const resources = loadResources(text, path);
    // Felix's endpoint-status files: the workloads local workload peering selects from.
    const statusDir = values['endpoint-status-dir'];
    const statuses = statusDir ? await readEndpointStatusDir(statusDir) : null;
    if (statuses && !values.quiet) for (const w of statuses.warnings) console.error(`petrel: warning: ${w}`);
    const state = computeDesiredState(resources, node, {
      ...(process.env['CALICO_ROUTER_ID'] !== undefined ? { CALICO_ROUTER_ID: process.env['CALICO_ROUTER_ID'] } : {}),
      ...(process.env['CALICO_ADVERTISE_CLUSTER_IPS'] !== undefined ? { CALICO_ADVERTISE_CLUSTER_IPS: process.env['CALICO_ADVERTISE_CLUSTER_IPS'] } : {}),
    }, statuses ? { endpointStatuses: statuses.statuses } : {});
    if (!values.quiet) for (const w of state.warnings) console.error(`petrel: warning: ${w}`);
    console.log(JSON.stringify(toPlanJson(state), null, 2));
    return 0;
  } catch (e) {
    if (e instanceof CalicoConfigError || e instanceof UnknownNodeError) {
      console.error(`petrel: invalid datastore ${path}:\n${e.message}`);
      return 1;
    }
    throw e;
  }
}
