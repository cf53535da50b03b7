/**
 * petrel against BIRD 2 and BIRD 1.6 (what calico-node ships; bird and
 * bird6) in network namespaces on one LAN: eBGP/IPv4, iBGP/IPv6, MD5, GTSM,
 * active/passive, hold timer and graceful restart, each checked through
 * BIRD's own CLI and petrel's API (see describeInterop in
 * test/support/petrel.ts).
 */
import { useLab } from '../support/netns.js';
import { describeInterop, useInteropLab } from '../support/petrel.js';

describe('interop: petrel with BIRD 2 and BIRD 1.6', function () {
  this.timeout(90_000);
  useLab();
  const suite = useInteropLab(['bird2', 'bird1']);
  describeInterop(suite, 'bird2', { cli: true });
  describeInterop(suite, 'bird1');
});
