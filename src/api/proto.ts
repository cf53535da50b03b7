/**
 * Loads proto/petrel/v1/petrel.proto at run time (no generated code): the
 * .proto file is the single source of truth, shipped next to dist/.
 */
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type * as W from './wire.js';

export const PROTO_PATH = fileURLToPath(new URL('../../proto/petrel/v1/petrel.proto', import.meta.url));
export const SERVICE_NAME = 'petrel.v1.PetrelApi';

/** Decoding options the types in wire.ts assume. */
const LOAD_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** The service's methods with the request and response types of wire.ts. */
export interface PetrelApiMethods {
  GetStatus: MethodDefinition<W.Empty, W.GetStatusResponse>;
  ListPeers: MethodDefinition<W.ListPeersRequest, W.ListPeersResponse>;
  WatchPeers: MethodDefinition<W.WatchPeersRequest, W.WatchPeersResponse>;
  ListPaths: MethodDefinition<W.ListPathsRequest, W.ListPathsResponse>;
  WatchPaths: MethodDefinition<W.WatchPathsRequest, W.WatchPathsResponse>;
  AddPath: MethodDefinition<W.AddPathRequest, W.Empty>;
  DeletePath: MethodDefinition<W.DeletePathRequest, W.Empty>;
}

let cached: PetrelApiMethods | null = null;

/** The service definition, loaded once per process. */
export function petrelApiService(): PetrelApiMethods & ServiceDefinition {
  if (!cached) {
    let pkg: protoLoader.PackageDefinition;
    try {
      pkg = protoLoader.loadSync(PROTO_PATH, LOAD_OPTIONS);
    } catch (e) {
      throw new Error(`cannot load the API definition ${PROTO_PATH} (proto/ must ship next to dist/): ${(e as Error).message}`);
    }
    const svc = pkg[SERVICE_NAME];
    if (!svc || !('GetStatus' in svc)) throw new Error(`${PROTO_PATH} does not define ${SERVICE_NAME}`);
    cached = svc as unknown as PetrelApiMethods;
  }
  return cached as PetrelApiMethods & ServiceDefinition;
}
