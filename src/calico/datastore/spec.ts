/**
 * Which datastore to read, from `--datastore` or calico-node's environment:
 *
 *   --datastore file:PATH            (or CALICO_DATASTORE_FILE=PATH)
 *   --datastore kubernetes           (or DATASTORE_TYPE=kubernetes; KUBECONFIG, else in-cluster)
 *   --datastore etcdv3:ENDPOINTS     (or DATASTORE_TYPE=etcdv3 with ETCD_ENDPOINTS;
 *                                     ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE for TLS)
 *
 * The flag wins over the environment.
 */
import type { TranslationEnv } from '../translate/compute.js';
import { DeferredDatastore } from './deferred.js';
import type { EtcdTls } from './etcd/etcd-datastore.js';
import { FileDatastore, parseDatastoreUrl } from './file-datastore.js';
import type { CalicoDatastore, DatastoreLogger } from './pipeline.js';

export type DatastoreSpec =
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'kubernetes'; readonly kubeconfig?: string; readonly namespace?: string }
  | { readonly type: 'etcdv3'; readonly endpoints: readonly string[]; readonly tls?: EtcdTls };

export type DatastoreEnv = Readonly<Record<string, string | undefined>>;

const USAGE = '--datastore file:PATH | kubernetes | etcdv3:ENDPOINTS (or DATASTORE_TYPE=kubernetes|etcdv3)';

function endpointsOf(text: string): string[] {
  const list = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (list.length === 0) throw new Error(`etcdv3 needs endpoints (etcdv3:http://127.0.0.1:2379, or ETCD_ENDPOINTS)`);
  for (const e of list) {
    let u: URL;
    try {
      u = new URL(e);
    } catch {
      throw new Error(`etcd endpoint "${e}" is not a URL (http://host:2379 or https://host:2379)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`etcd endpoint "${e}": only http:// and https:// are supported`);
  }
  return list;
}

function etcdTls(env: DatastoreEnv): EtcdTls | undefined {
  const tls = {
    ...(env['ETCD_CA_CERT_FILE'] ? { caFile: env['ETCD_CA_CERT_FILE'] } : {}),
    ...(env['ETCD_CERT_FILE'] ? { certFile: env['ETCD_CERT_FILE'] } : {}),
    ...(env['ETCD_KEY_FILE'] ? { keyFile: env['ETCD_KEY_FILE'] } : {}),
  };
  return Object.keys(tls).length > 0 ? tls : undefined;
}

function kubernetes(env: DatastoreEnv): DatastoreSpec {
  return {
    type: 'kubernetes',
    ...(env['KUBECONFIG'] ? { kubeconfig: env['KUBECONFIG'] } : {}),
    ...(env['NAMESPACE'] ? { namespace: env['NAMESPACE'] } : {}),
  };
}

/** The datastore named by the flag, else by the environment; null when neither names one. */
export function parseDatastoreSpec(flag: string | undefined, env: DatastoreEnv): DatastoreSpec | null {
  if (flag !== undefined) {
    if (flag === 'kubernetes' || flag === 'kubernetes:') return kubernetes(env);
    if (flag === 'etcdv3' || flag.startsWith('etcdv3:')) {
      const list = flag === 'etcdv3' ? (env['ETCD_ENDPOINTS'] ?? '') : flag.slice('etcdv3:'.length);
      const tls = etcdTls(env);
      return { type: 'etcdv3', endpoints: endpointsOf(list), ...(tls ? { tls } : {}) };
    }
    if (flag.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(flag)) return { type: 'file', path: parseDatastoreUrl(flag) };
    throw new Error(`--datastore "${flag}": unknown datastore; use ${USAGE}`);
  }
  const type = env['DATASTORE_TYPE'];
  if (type === 'kubernetes') return kubernetes(env);
  if (type === 'etcdv3') {
    const tls = etcdTls(env);
    return { type: 'etcdv3', endpoints: endpointsOf(env['ETCD_ENDPOINTS'] ?? ''), ...(tls ? { tls } : {}) };
  }
  if (type !== undefined && type !== '' && type !== 'file') throw new Error(`DATASTORE_TYPE="${type}": use kubernetes or etcdv3`);
  if (env['CALICO_DATASTORE_FILE']) return { type: 'file', path: parseDatastoreUrl(`file:${env['CALICO_DATASTORE_FILE']}`) };
  if (type === 'file') throw new Error('DATASTORE_TYPE=file needs CALICO_DATASTORE_FILE');
  return null;
}

export function describeSpec(spec: DatastoreSpec): string {
  switch (spec.type) {
    case 'file':
      return `file:${spec.path}`;
    case 'kubernetes':
      return `kubernetes (${spec.kubeconfig ? `KUBECONFIG=${spec.kubeconfig}` : 'in-cluster'})`;
    case 'etcdv3':
      return `etcdv3:${spec.endpoints.join(',')}`;
  }
}

export interface CreateDatastoreOptions {
  readonly nodeName: string;
  readonly env?: TranslationEnv;
  readonly logger?: DatastoreLogger;
  /** The file datastore only: Felix's endpoint-status directory. */
  readonly endpointStatusDir?: string;
}

/** The datastore a spec names, ready to start. */
export function createDatastore(spec: DatastoreSpec, opts: CreateDatastoreOptions): CalicoDatastore {
  const common = { nodeName: opts.nodeName, ...(opts.env ? { env: opts.env } : {}), ...(opts.logger ? { logger: opts.logger } : {}) };
  switch (spec.type) {
    case 'file':
      return new FileDatastore({ path: spec.path, ...common, ...(opts.endpointStatusDir ? { endpointStatusDir: opts.endpointStatusDir } : {}) });
    // The client libraries load only when a live datastore starts (see deferred.ts).
    case 'kubernetes':
      return new DeferredDatastore(describeSpec(spec), async () => {
        const [{ KubernetesDatastore }, { KubeConfigTransport, loadKubeConfig }] = await Promise.all([import('./kubernetes/kubernetes-datastore.js'), import('./kubernetes/transport.js')]);
        return new KubernetesDatastore({ ...common, transport: new KubeConfigTransport(loadKubeConfig(spec.kubeconfig)), ...(spec.namespace ? { namespace: spec.namespace } : {}) });
      });
    case 'etcdv3':
      return new DeferredDatastore(describeSpec(spec), async () => {
        const { EtcdDatastore } = await import('./etcd/etcd-datastore.js');
        return new EtcdDatastore({ ...common, endpoints: spec.endpoints, ...(spec.tls ? { tls: spec.tls } : {}) });
      });
  }
}
