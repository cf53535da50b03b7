/**
 * petrel's Calico model: resources, the selector language, translation to a
 * node's desired state, the diff between two states, and the file datastore.
 * This is the only entry point other modules should import.
 */
export { CalicoConfigError, formatIssue, type SourceRef, type ValidationIssue } from './errors.js';
export { loadResources, loadResourceLayers, type ResourceText } from './resources/load.js';
export type * from './resources/types.js';
export {
  evaluateSelector,
  parseSelector,
  selectorToString,
  SelectorSyntaxError,
  type Labels,
  type Selector,
} from './selector/index.js';
export { computeDesiredState, UnknownNodeError, type TranslationEnv, type TranslationInputs } from './translate/compute.js';
export {
  activeBgpPeerFor,
  bgpPeerSelectsNode,
  endpointLabels,
  type LocalWorkload,
} from './translate/local-workloads.js';
export {
  parseEndpointStatus,
  readEndpointStatusDir,
  statusDirSignature,
  type EndpointStatus,
  type EndpointStatusParse,
  type EndpointStatusSnapshot,
} from './datastore/endpoint-status.js';
export type * from './translate/desired-state.js';
export { toPlanJson, type PlanJson, type PlanPeerJson } from './translate/plan-json.js';
export { evaluateExport, globMatch, type ExportCandidate } from './translate/policy.js';
export { hashRouterId } from './translate/router-id.js';
export { diffDesiredState, sessionsDisturbed, type PeerField, type StateChange } from './diff.js';
export { FileDatastore, parseDatastoreUrl, type FileDatastoreOptions } from './datastore/file-datastore.js';
export {
  consoleLogger,
  type CalicoDatastore,
  type DatastoreLogger,
  type DatastoreRejection,
  type DatastoreUpdate,
  type SyncState,
} from './datastore/pipeline.js';
export { createDatastore, describeSpec, parseDatastoreSpec, type CreateDatastoreOptions, type DatastoreEnv, type DatastoreSpec } from './datastore/spec.js';
// The live adapters are imported from their own modules (they load big client libraries): see datastore/deferred.ts.
