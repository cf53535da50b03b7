import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { promisify } from 'node:util';
import { inSubnet } from './support/addresses.js';
import { checkCommandLine, cliSurface, environmentRead, optionValue } from './support/cli-surface.js';
import { execForm, parseDockerfile } from './support/dockerfile.js';
import { arr, loadYaml, loadYamlDocuments, obj, readRepo, repoPath, str, strings } from './support/repo.js';

const execFileP = promisify(execFile);
const DATASTORE = 'config/compose/datastore.yaml';

interface Service {
  readonly name: string;
  readonly spec: Record<string, unknown>;
  /** network name -> ipv4_address */
  readonly addresses: Map<string, string>;
  readonly env: Record<string, string>;
}

function compose(): { services: Service[]; subnets: Map<string, string> } {
  const doc = obj(loadYaml(repoPath('docker-compose.yml')), 'docker-compose.yml');
  const services = Object.entries(obj(doc.services, 'services')).map(([name, v]) => {
    const spec = obj(v, `services.${name}`);
    const addresses = new Map<string, string>();
    for (const [net, cfg] of Object.entries(obj(spec.networks, `services.${name}.networks`))) {
      addresses.set(net, str(obj(cfg, `services.${name}.networks.${net}`).ipv4_address, `services.${name}.networks.${net}.ipv4_address`));
    }
    const env = spec.environment === undefined ? {} : (obj(spec.environment, `services.${name}.environment`) as Record<string, string>);
    return { name, spec, addresses, env };
  });
  const subnets = new Map<string, string>();
  for (const [net, cfg] of Object.entries(obj(doc.networks, 'networks'))) {
    const ipam = arr(obj(obj(cfg, `networks.${net}`).ipam, `networks.${net}.ipam`).config, `networks.${net}.ipam.config`);
    subnets.set(net, str(obj(ipam[0], `networks.${net}.ipam.config[0]`).subnet, `networks.${net} subnet`));
  }
  return { services, subnets };
}

/** Services that run the petrel image (built from this repository's Dockerfile). */
const petrelServices = (services: Service[]) => services.filter((s) => s.spec.build === '.' || String(s.spec.image).startsWith('petrel'));

/** Compose turns `$$` into `$`: the text the container's shell sees. */
const unescape = (s: string) => s.replace(/\$\$/g, '$');

interface Resource {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}
const resources = () => loadYamlDocuments(repoPath(DATASTORE)) as unknown as Resource[];
const nodeAddress = (name: string) => {
  const n = resources().find((r) => r.kind === 'Node' && r.metadata.name === name);
  assert.ok(n, `Node ${name} in ${DATASTORE}`);
  return str(obj(n.spec.bgp, `Node ${name} spec.bgp`).ipv4Address, `Node ${name} ipv4Address`);
};

/** `router bgp ASN`, its router-id and `neighbor IP remote-as ASN` lines of frr.conf. */
function frrConfig(): { as: number; routerId: string; neighbors: Map<string, number> } {
  const text = readRepo('config/compose/frr/frr.conf');
  const as = Number(/^router bgp (\d+)$/m.exec(text)?.[1]);
  const routerId = /^\s*bgp router-id (\S+)$/m.exec(text)?.[1] ?? '';
  const neighbors = new Map([...text.matchAll(/^\s*neighbor (\S+) remote-as (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { as, routerId, neighbors };
}

describe('packaging: docker-compose.yml', function () {
  this.timeout(300_000);

  it('is the rr lab: three petrel nodes and a reflector from one file datastore, an FRR ToR, fixed subnets', () => {
    const { services, subnets } = compose();
    const petrel = petrelServices(services);
    assert.deepEqual(petrel.map((s) => s.name).sort(), ['k8s-ctr', 'k8s-w0', 'k8s-w1', 'k8s-w2']);
    const tor = services.find((s) => s.name === 'tor');
    assert.ok(tor && /frr/.test(String(tor.spec.image)), 'the ToR runs FRR');
    assert.deepEqual([...subnets.values()].sort(), ['192.168.10.0/24', '192.168.20.0/24']);
    // Every fixed address sits in its network's subnet and names the Node of that service.
    for (const s of services) for (const [net, a] of s.addresses) assert.ok(inSubnet(a, subnets.get(net)!), `${s.name}: ${a} in ${net}`);
    for (const s of petrel) {
      assert.equal(s.addresses.size, 1, `${s.name} sits on one subnet`);
      const [addr] = [...s.addresses.values()];
      assert.equal(nodeAddress(s.env.NODENAME!).split('/')[0], addr, `${s.name}: its Node's ipv4Address is its container address`);
      assert.equal(s.spec.hostname, s.env.NODENAME);
    }
    // The reflector is the Node with a cluster ID, as in `petrel lab up rr`.
    const rr = resources().filter((r) => r.kind === 'Node' && obj(r.spec.bgp, 'bgp').routeReflectorClusterID);
    assert.deepEqual(rr.map((r) => r.metadata.name), ['k8s-ctr']);
  });

  it('runs the image entrypoint (`petrel run`) with flags and environment petrel has', () => {
    const surface = cliSurface();
    const envKnown = environmentRead();
    const df = parseDockerfile(readRepo('Dockerfile'));
    const rt = df.stages.at(-1)!;
    const entry = execForm(rt.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!.args)!;
    const imageUser = rt.instructions.filter((i) => i.keyword === 'USER').at(-1)!.args;
    for (const s of petrelServices(compose().services)) {
      const entrypoint = strings(s.spec.entrypoint, `${s.name}.entrypoint`);
      const command = strings(s.spec.command, `${s.name}.command`);
      assert.deepEqual(entrypoint.slice(0, 2), ['/bin/sh', '-ec'], `${s.name}: a shell wrapper around the entrypoint`);
      const script = unescape(entrypoint[2]!);
      // The wrapper ends by exec'ing the image's own entrypoint as the image's user, with compose's command.
      const exec = script.trim().split('\n').at(-1)!;
      assert.equal(exec, `exec setpriv --reuid=${imageUser} --regid=${imageUser} --init-groups ${entry.join(' ')} "$@"`, s.name);
      // Every variable the wrapper uses is set.
      for (const m of script.matchAll(/\$\{(\w+)\}/g)) assert.ok(s.env[m[1]!], `${s.name}: ${m[1]} is set`);
      assert.deepEqual(checkCommandLine(surface, [...entry.slice(1), ...command]), [], `${s.name}: ${command.join(' ')}`);
      for (const k of Object.keys(s.env)) {
        if (k.startsWith('LAB_')) assert.ok(script.includes(`\${${k}}`), `${s.name}: ${k} is used by the wrapper`);
        else assert.ok(envKnown.has(k), `${s.name}: petrel reads ${k} (src/ reads: ${[...envKnown].join(', ')})`);
      }
      const caps = strings(s.spec.cap_add, `${s.name}.cap_add`).sort();
      assert.deepEqual(caps, ['NET_ADMIN', 'NET_BIND_SERVICE', 'NET_RAW'], `${s.name}: the capabilities the image's node binary carries`);
      // The healthcheck is calico-node's liveness command against this node's bird.ctl.
      const hc = strings(obj(s.spec.healthcheck, `${s.name}.healthcheck`).test, `${s.name}.healthcheck.test`);
      assert.equal(hc[0], 'CMD');
      assert.equal(hc[1], 'petrel');
      assert.deepEqual(checkCommandLine(surface, hc.slice(2)), [], `${s.name}: healthcheck ${hc.join(' ')}`);
      const socket = optionValue(command, 'bird-socket');
      assert.ok(socket && hc.includes(socket), `${s.name}: the healthcheck asks the socket petrel serves (${socket})`);
    }
  });

  it('mounts the datastore directory and names a file inside it', () => {
    for (const s of petrelServices(compose().services)) {
      const mounts = strings(s.spec.volumes, `${s.name}.volumes`).map((v) => {
        const [host, target, mode] = v.split(':');
        return { host: host!, target: target!, mode };
      });
      const file = s.env.CALICO_DATASTORE_FILE!;
      const m = mounts.find((x) => file.startsWith(`${x.target}/`));
      assert.ok(m, `${s.name}: ${file} is inside a mounted directory`);
      assert.equal(m.mode, 'ro', 'petrel only reads the datastore');
      assert.equal(posix.join(m.host, file.slice(m.target.length)), posix.normalize(DATASTORE));
      assert.ok(existsSync(repoPath(DATASTORE)));
    }
  });

  it('routes each subnet to the other through the ToR, which peers with the reflector', () => {
    const { services, subnets } = compose();
    const tor = services.find((s) => s.name === 'tor')!;
    for (const s of petrelServices(services)) {
      const [net] = [...s.addresses.keys()];
      assert.equal(s.env.LAB_ROUTER, tor.addresses.get(net!), `${s.name}: the ToR's address on ${net}`);
      const other = [...subnets].find(([n]) => n !== net)!;
      assert.equal(s.env.LAB_REMOTE_SUBNET, other[1], `${s.name}: the other subnet`);
    }
    const frr = frrConfig();
    const conf = resources().find((r) => r.kind === 'BGPConfiguration' && r.metadata.name === 'default')!;
    const rrAddr = nodeAddress('k8s-ctr').split('/')[0]!;
    assert.deepEqual([...frr.neighbors], [[rrAddr, conf.spec.asNumber]], 'FRR peers with the reflector in the cluster AS');
    assert.equal(frr.routerId, tor.addresses.get('lab-a'));
    const torPeer = resources().find((r) => r.kind === 'BGPPeer' && r.spec.peerIP === frr.routerId);
    assert.ok(torPeer, 'a BGPPeer to the ToR');
    assert.equal(torPeer.spec.asNumber, frr.as);
    assert.equal(torPeer.spec.node, 'k8s-ctr');
    assert.match(readRepo('config/compose/frr/daemons'), /^bgpd=yes$/m);
    const torVolumes = strings(tor.spec.volumes, 'tor.volumes');
    assert.ok(torVolumes.includes('./config/compose/frr:/etc/frr'));
  });

  it('`petrel plan` accepts the datastore for every node: the reflector has its clients and the ToR', async () => {
    const main = repoPath('src/cli/main.ts');
    const plans = await Promise.all(
      petrelServices(compose().services).map(async (s) => {
        const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', main, 'plan', '--node', s.env.NODENAME!, '--datastore', `file:${repoPath(DATASTORE)}`], {
          timeout: 240_000,
        });
        return JSON.parse(stdout) as { node: string; peers: { name: string; asNumber: number; routeReflectorClient: boolean }[]; originate: { prefix: string }[] };
      }),
    );
    const byNode = new Map(plans.map((p) => [p.node, p]));
    const ctr = byNode.get('k8s-ctr')!;
    assert.deepEqual(
      ctr.peers.map((p) => `${p.name} ${p.asNumber} ${p.routeReflectorClient ? 'client' : ''}`.trim()),
      ['Node_192_168_10_101 64512 client', 'Node_192_168_10_102 64512 client', 'Node_192_168_10_200 65000', 'Node_192_168_20_100 64512 client'],
    );
    for (const w of ['k8s-w0', 'k8s-w1', 'k8s-w2']) {
      assert.deepEqual(byNode.get(w)!.peers.map((p) => p.name), ['Node_192_168_10_100'], `${w} peers with the reflector only`);
    }
    const blocks = resources().filter((r) => r.kind === 'BlockAffinity');
    for (const p of plans) {
      assert.deepEqual(p.originate.map((o) => o.prefix), blocks.filter((b) => b.spec.node === p.node).map((b) => b.spec.cidr), `${p.node}'s block`);
    }
  });
});
