#!/usr/bin/env node
/**
 * The petrel command. Until the daemon lands (sessions, RIB, kernel),
 * it offers the codec tools (`demo`, `decode`) and `plan`, the Calico model's
 * desired state for a node.
 */
import { runDecode } from './commands/decode.js';
import { runDemo } from './commands/demo.js';
import { runPlan } from './commands/plan.js';
import { VERSION } from './version.js';

const USAGE = `petrel ${VERSION}: BGP route distribution for Calico

Usage:
  petrel demo [--json]             encode and decode the messages a Calico node exchanges, byte-exact
  petrel decode [options] [HEX...] decode BGP messages from hex arguments or stdin (a capture's payload)
      --two-octet-as               the session did not negotiate 4-octet AS numbers
      --add-path FAMILIES          path identifiers present: ipv4,ipv6
      --ebgp                       messages come from an external peer
      --extended-message           RFC 8654 was negotiated (messages up to 65535 bytes)
  petrel plan --node NAME --datastore file:PATH
                                   print the node's desired state (peers, originated blocks, pools,
                                   communities, kernel rules) as JSON, computed as confd would
      --quiet                      do not print warnings on stderr
  petrel version
  petrel help

The daemon commands (run, status, routes, lab) arrive with the sessions, RIB and Calico
model issues; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return runDemo(rest);
    case 'decode':
      return runDecode(rest);
    case 'plan':
      return runPlan(rest);
    case 'version':
    case '--version':
      console.log(VERSION);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`petrel: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`petrel: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
