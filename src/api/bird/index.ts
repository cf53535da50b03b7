/** BIRD 1.6's control-socket protocol: petrel's server, a client, and the formatting they share. */
export * from './provider.js';
export { startBirdSocket, MAX_COMMAND_LENGTH, type BirdSocketServer, type BirdSocketOptions } from './server.js';
export { answerLine, answerCommand } from './answer.js';
export { parseCommand, type BirdCommand } from './command.js';
export { BirdClient, BirdConnectError, printedReply, type BirdReply } from './client.js';
export { expandCommand, type Expansion } from './expand.js';
export { frameReply, parseReplyLine, ReplyCode, welcome } from './reply.js';
