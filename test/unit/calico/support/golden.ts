/**
 * Calico's confd golden scenarios (../shared/testdata/calico-confd): where
 * they are, how Calico's test-suite runs each one, and the block affinities
 * it gives the local node.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceText, TranslationEnv } from '../../../../src/calico/index.js';

export const GOLDEN_ROOT = fileURLToPath(new URL('../../../../../shared/testdata/calico-confd', import.meta.url));
export const LOCAL_NODE = 'kube-master';

/** kube-master's IPAM block affinities, as the suite's README states them. */
export const KUBE_MASTER_AFFINITIES = `
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: kube-master-10-0-0-0-30}
spec: {node: kube-master, cidr: 10.0.0.0/30}
---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: kube-master-10-1-0-0-24}
spec: {node: kube-master, cidr: 10.1.0.0/24}
---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: kube-master-10-2-0-1-32}
spec: {node: kube-master, cidr: 10.2.0.1/32}
---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: kube-master-192-168-221-192-26}
spec: {node: kube-master, cidr: 192.168.221.192/26}
---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: kube-master-192-168-221-64-26}
spec: {node: kube-master, cidr: 192.168.221.64/26, state: confirmed}
---
apiVersion: projectcalico.org/v3
kind: BlockAffinity
metadata: {name: kube-master-192-168-221-0-26}
spec: {node: kube-master, cidr: 192.168.221.0/26, state: pending}
`;

/**
 * Variants of a scenario that have expected output but no input of their own:
 * Calico's suite re-runs the parent with BGPConfiguration default's
 * programClusterRoutes set to each value.
 */
const PROGRAM_CLUSTER_ROUTES_VARIANTS: Record<string, string> = {
  'pcr-disabled': 'Disabled',
  'pcr-enabled': 'Enabled',
  'pcr-ipip-only': 'EnabledIPIPOnly',
  'pcr-noencap-only': 'EnabledNoEncapOnly',
};

/** Environment the suite sets for particular scenarios (test_router_id_hash, static-routes-no-ipv4-address). */
const SCENARIO_ENV: Record<string, TranslationEnv> = {
  'mesh/hash': { CALICO_ROUTER_ID: 'hash' },
  'mesh/static-routes-no-ipv4-address': { CALICO_ROUTER_ID: '10.10.10.10' },
};

export interface GoldenScenario {
  /** e.g. `explicit_peering/selectors/step2`. */
  readonly name: string;
  readonly dir: string;
  readonly layers: ResourceText[];
  readonly env: TranslationEnv;
  readonly expected: (file: string) => string;
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Every directory with an `expected/` folder is a scenario; steps build on their parents in order. */
export function goldenScenarios(): GoldenScenario[] {
  const out: GoldenScenario[] = [];
  const walk = (dir: string, rel: string, parentLayers: ResourceText[], parentEnv: TranslationEnv): void => {
    let layers = parentLayers;
    const env = SCENARIO_ENV[rel] ?? parentEnv;
    const base = rel.split('/').at(-1) ?? '';
    if (existsSync(join(dir, 'input.yaml'))) {
      layers = [...layers, { text: read(join(dir, 'input.yaml')), source: `${rel}/input.yaml` }];
    } else if (PROGRAM_CLUSTER_ROUTES_VARIANTS[base] !== undefined) {
      layers = [...layers, { text: patchProgramClusterRoutes(layers, PROGRAM_CLUSTER_ROUTES_VARIANTS[base]!), source: `${rel} (programClusterRoutes)` }];
    }
    if (existsSync(join(dir, 'expected'))) {
      out.push({
        name: rel,
        dir,
        layers: [...layers, { text: KUBE_MASTER_AFFINITIES, source: 'kube-master block affinities' }],
        env,
        expected: (file) => read(join(dir, 'expected', file)),
      });
    }
    for (const entry of readdirSync(dir).sort()) {
      const sub = join(dir, entry);
      if (entry === 'expected' || !statSync(sub).isDirectory()) continue;
      walk(sub, rel === '' ? entry : `${rel}/${entry}`, layers, env);
    }
  };
  walk(GOLDEN_ROOT, '', [], {});
  return out;
}

/** The parent's `default` BGPConfiguration with programClusterRoutes replaced, as `calicoctl patch` would. */
function patchProgramClusterRoutes(layers: ResourceText[], value: string): string {
  // Re-emit the default BGPConfiguration documents of the parent layers with the field set.
  const docs = layers
    .flatMap((l) => l.text.split(/^---\s*$/m))
    .filter((d) => /kind:\s*BGPConfiguration/.test(d) && /name:\s*default\b/.test(d));
  const last = docs.at(-1);
  if (last === undefined) return `apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n  programClusterRoutes: ${value}\n`;
  const withoutField = last.replace(/^\s+programClusterRoutes:.*$/m, '');
  return /^spec:\s*$/m.test(withoutField)
    ? withoutField.replace(/^spec:\s*$/m, `spec:\n  programClusterRoutes: ${value}`)
    : `${withoutField}\nspec:\n  programClusterRoutes: ${value}\n`;
}
