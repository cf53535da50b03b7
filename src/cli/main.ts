#!/usr/bin/env node
/**
 * The petrel command: the daemon (`run`), the Calico model's desired state
 * for a node (`plan`), and the codec tools (`demo`, `decode`).
 */
import { LAB_USAGE, runLab } from '../lab/command.js';
import { runBirdcl } from './commands/birdcl.js';
import { runDecode } from './commands/decode.js';
import { runDemo } from './commands/demo.js';
import { runPlan } from './commands/plan.js';
import { runRoutes } from './commands/routes.js';
import { runDaemon } from './commands/run.js';
import { runStatus } from './commands/status.js';
import { VERSION } from './version.js';

const USAGE = `petrel ${VERSION}: BGP route distribution for Calico

Usage:
  petrel demo [--json]             encode and decode the messages a Calico node exchanges, byte-exact
  petrel decode [options] [HEX...] decode BGP messages from hex arguments or stdin (a capture's payload)
      --two-octet-as               the session did not negotiate 4-octet AS numbers
      --add-path FAMILIES          path identifiers present: ipv4,ipv6
      --ebgp                       messages come from an external peer
      --extended-message           RFC 8654 was negotiated (messages up to 65535 bytes)
  petrel plan --node NAME --datastore file:PATH|kubernetes|etcdv3:ENDPOINTS
                                   print the node's desired state (peers, originated blocks, pools,
                                   communities, kernel rules) as JSON, computed as confd would
      --quiet                      do not print warnings on stderr
      --endpoint-status-dir DIR    Felix's workload status files, for local workload peers
  petrel run --node NAME --datastore file:PATH|kubernetes|etcdv3:ENDPOINTS [--listen ADDR] [--port N]
             [--fib kernel|none] [--route-protocol N] [--api-socket PATH]
             [--log-level debug|info|warning|error|fatal|none]
                                   the daemon: BGP sessions for the node's peers, its blocks
                                   advertised; follows changes to the datastore
      --fib kernel|none            program the kernel's routes as Calico's BIRD does (default none)
      --api-listen HOST:PORT       also serve the management API over TCP (no authentication)
      --allow-loopback-next-hops   accept 127.0.0.0/8 next hops (labs and benchmarks on loopback only)
      --endpoint-status-dir DIR    Felix's workload status files, for local workload peers
                                   (default /var/run/calico/endpoint-status)
      --bird-socket PATH           BIRD 1.6-compatible control socket for calicoctl and calico-node's
                                   checks (default /var/run/calico/bird.ctl; none: off)
      --bird6-socket PATH          its IPv6 view (default bird6.ctl beside --bird-socket)
      --metrics ADDR:PORT          Prometheus /metrics, /liveness and /readiness (default off)
  petrel status [--json] [--api-socket PATH]
                                   the peers as calicoctl node status shows them (--json: every field)
  petrel routes [--json] [--table loc|in|out] [--peer NAME] [--family ipv4|ipv6] [--api-socket PATH]
                                   a table as birdc show route prints it (--json: the paths);
                                   the daemon's API socket defaults to /var/run/petrel/petrel.sock
  petrel routes add PREFIX [--next-hop IP]... [--as-path "A B"] [--med N] [--local-pref N] [--community C]...
  petrel routes del PREFIX         inject or remove an operator path (advertised to every peer)
${LAB_USAGE}
  petrel birdcl [-s SOCKET] [-v] [COMMAND...]
                                   birdcl: ask a BIRD control socket (petrel's or BIRD's), e.g.
                                   show protocols; commands from stdin when none is given
  petrel version
  petrel help

README.md has the details: datastores, kernel programming, the lab, the BIRD socket, metrics.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `petrel COMMAND --help` (birdcl passes its arguments to the socket unchanged).
  if (command !== 'birdcl' && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'birdcl':
      return runBirdcl(rest);
    case 'demo':
      return runDemo(rest);
    case 'decode':
      return runDecode(rest);
    case 'plan':
      return runPlan(rest);
    case 'run':
      return runDaemon(rest);
    case 'status':
      return runStatus(rest);
    case 'routes':
      return runRoutes(rest);
    case 'lab':
      return runLab(rest);
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
