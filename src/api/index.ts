/** The management API: the provider the daemon implements, the gRPC server, and the client. */
export * from './provider.js';
export { startApiServer, type ApiServer, type ApiServerOptions } from './server.js';
export { connectApi, ApiCallError, ApiUnreachableError, type ApiClient, type ConnectOptions, type PeerChange, type PeerWatch } from './client.js';
export { DEFAULT_API_SOCKET } from './socket.js';
export { birdTime, protocolInfo, protocolState, showRouteLine } from './bird-format.js';
