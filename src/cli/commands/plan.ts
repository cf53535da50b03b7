/**
 * `petrel plan --node NAME --datastore file:PATH | kubernetes | etcdv3:ENDPOINTS`:
 * the desired state of one node as JSON (the contract in README.md). Exits 1
 * with every validation problem listed when the datastore is invalid. A live
 * datastore is read once (list, or a range read) and left.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  CalicoConfigError,
  computeDesiredState,
  readEndpointStatusDir,
  createDatastore,
  loadResources,
  parseDatastoreSpec,
  type DatastoreSpec,
  type DesiredState,
  type TranslationEnv,
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
  const spec = parseDatastoreSpec(values.datastore, process.env);
  if (!spec) throw new Error('plan: --datastore file:PATH | kubernetes | etcdv3:ENDPOINTS (or DATASTORE_TYPE) is required');
  const env: TranslationEnv = {
    ...(process.env['CALICO_ROUTER_ID'] !== undefined ? { CALICO_ROUTER_ID: process.env['CALICO_ROUTER_ID'] } : {}),
    ...(process.env['CALICO_ADVERTISE_CLUSTER_IPS'] !== undefined ? { CALICO_ADVERTISE_CLUSTER_IPS: process.env['CALICO_ADVERTISE_CLUSTER_IPS'] } : {}),
  };
  if (spec.type !== 'file') return planLive(spec, node, env, values.quiet);
  const path = spec.path;
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
    const state = computeDesiredState(resources, node, env, statuses ? { endpointStatuses: statuses.statuses } : {});
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

/** Read a live datastore once; a server that cannot be reached within the time limit is an error. */
async function planLive(spec: Exclude<DatastoreSpec, { type: 'file' }>, node: string, env: TranslationEnv, quiet: boolean): Promise<number> {
  const silent = () => undefined;
  const warn = (m: string) => {
    if (!quiet) console.error(`petrel: warning: ${m}`);
  };
  const ds = createDatastore(spec, { nodeName: node, env, logger: { info: silent, warn, error: warn } });
  let timer: NodeJS.Timeout | undefined;
  try {
    const state = await Promise.race([
      ds.start(),
      new Promise<DesiredState>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`plan: ${ds.description} did not answer within 30 s`)), 30_000);
      }),
    ]);
    console.log(JSON.stringify(toPlanJson(state), null, 2));
    return 0;
  } catch (e) {
    if (e instanceof CalicoConfigError || e instanceof UnknownNodeError) {
      console.error(`petrel: invalid datastore ${ds.description}:\n${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    clearTimeout(timer);
    ds.stop();
  }
}
