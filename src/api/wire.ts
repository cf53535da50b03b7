/**
 * The messages of proto/petrel/v1/petrel.proto as @grpc/proto-loader hands
 * them over with the options in proto.ts (camelCase fields, enums as their
 * names, 64-bit integers as numbers, defaults filled in on decode). Keep in
 * step with the .proto file; convert.ts maps them to the provider's types.
 */

export type WireFamily = 'FAMILY_UNSPECIFIED' | 'FAMILY_IPV4' | 'FAMILY_IPV6';
export type WirePeerType = 'PEER_TYPE_UNSPECIFIED' | 'PEER_TYPE_MESH' | 'PEER_TYPE_GLOBAL' | 'PEER_TYPE_NODE' | 'PEER_TYPE_LOCAL_WORKLOAD';
export type WireSessionState =
  | 'SESSION_STATE_UNSPECIFIED'
  | 'SESSION_STATE_IDLE'
  | 'SESSION_STATE_CONNECT'
  | 'SESSION_STATE_ACTIVE'
  | 'SESSION_STATE_OPEN_SENT'
  | 'SESSION_STATE_OPEN_CONFIRM'
  | 'SESSION_STATE_ESTABLISHED';
export type WireTable = 'TABLE_LOC_RIB' | 'TABLE_ADJ_RIB_IN' | 'TABLE_ADJ_RIB_OUT';
export type WireOrigin = 'ORIGIN_UNSPECIFIED' | 'ORIGIN_IGP' | 'ORIGIN_EGP' | 'ORIGIN_INCOMPLETE';
export type WireAsPathSegmentType =
  | 'AS_PATH_SEGMENT_TYPE_UNSPECIFIED'
  | 'AS_PATH_SEGMENT_TYPE_SET'
  | 'AS_PATH_SEGMENT_TYPE_SEQUENCE'
  | 'AS_PATH_SEGMENT_TYPE_CONFED_SEQUENCE'
  | 'AS_PATH_SEGMENT_TYPE_CONFED_SET';
export type WirePeerEventType =
  | 'PEER_EVENT_TYPE_UNSPECIFIED'
  | 'PEER_EVENT_TYPE_INITIAL'
  | 'PEER_EVENT_TYPE_CHANGED'
  | 'PEER_EVENT_TYPE_ADDED'
  | 'PEER_EVENT_TYPE_REMOVED';

export interface WireStatus {
  routerId: string;
  as: number;
  nodeName: string;
  version: string;
  startedAt: number;
  uptimeSeconds: number;
  listenAddress: string;
  listenPort: number;
}

export interface WireNotificationCount {
  code: number;
  subcode: number;
  count: number;
}

export interface WirePeerCounters {
  prefixesReceived: number;
  prefixesAccepted: number;
  prefixesAdvertised: number;
  prefixesStale: number;
  updatesIn: number;
  updatesOut: number;
  notificationsIn: WireNotificationCount[];
  notificationsOut: WireNotificationCount[];
}

export interface WireNegotiated {
  peerRouterId: string;
  holdTime: number;
  keepaliveTime: number;
  families: string[];
  capabilities: string[];
}

export interface WirePeer {
  name: string;
  address: string;
  port: number;
  peerAs: number;
  localAs: number;
  type: WirePeerType;
  family: WireFamily;
  state: WireSessionState;
  adminDown: boolean;
  passive: boolean;
  since: number;
  uptimeMs: number;
  lastError: string;
  counters: WirePeerCounters | null;
  holdTime: number;
  keepaliveTime: number;
  negotiated: WireNegotiated | null;
}

export interface WireAsPathSegment {
  type: WireAsPathSegmentType;
  numbers: number[];
}

export interface WireLargeCommunity {
  globalAdmin: number;
  localData1: number;
  localData2: number;
}

export interface WirePath {
  family: WireFamily;
  prefix: string;
  pathId: number;
  nextHops: string[];
  asPath: WireAsPathSegment[];
  origin: WireOrigin;
  /** proto3 `optional`: absent when unset. */
  med?: number;
  localPref?: number;
  communities: string[];
  largeCommunities: WireLargeCommunity[];
  extendedCommunities: string[];
  originatorId: string;
  clusterList: string[];
  best: boolean;
  notBestReason: string;
  stale: boolean;
  since: number;
  ageSeconds: number;
  source: string;
  sourceAddress: string;
  peer: string;
  preference: number;
  igpMetric?: number;
  interface: string;
}

export type Empty = Record<string, never>;

export interface GetStatusResponse {
  status: WireStatus | null;
}
export interface ListPeersRequest {
  name: string;
}
export interface ListPeersResponse {
  peer: WirePeer | null;
}
export interface WatchPeersRequest {
  initial: boolean;
  name: string;
}
export interface WatchPeersResponse {
  type: WirePeerEventType;
  peer: WirePeer | null;
}
export interface ListPathsRequest {
  table: WireTable;
  peer: string;
  family: WireFamily;
}
export interface ListPathsResponse {
  paths: WirePath[];
}
export interface AddPathRequest {
  path: WirePath | null;
}
export interface DeletePathRequest {
  family: WireFamily;
  prefix: string;
  pathId: number;
}
export type WirePathEventType = 'PATH_EVENT_TYPE_UNSPECIFIED' | 'PATH_EVENT_TYPE_INITIAL' | 'PATH_EVENT_TYPE_BEST' | 'PATH_EVENT_TYPE_WITHDRAWN';
export interface WatchPathsRequest {
  family: WireFamily;
  initial: boolean;
}
export interface WatchPathsResponse {
  type: WirePathEventType;
  family: WireFamily;
  prefix: string;
  path: WirePath | null;
}
