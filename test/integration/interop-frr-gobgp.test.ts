/**
 * petrel against FRR (bgpd) and GoBGP in network namespaces on one LAN:
 * eBGP/IPv4, iBGP/IPv6, MD5, GTSM, active/passive, hold timer and graceful
 * restart, each checked through the implementation's own CLI (vtysh,
 * gobgp) and petrel's API (see describeInterop in test/support/petrel.ts).
 */
import { useLab } from '../support/netns.js';
import { describeInterop, useInteropLab } from '../support/petrel.js';

describe('interop: petrel with FRR and GoBGP', function () {
  this.timeout(90_000);
  useLab();
  const suite = useInteropLab(['frr', 'gobgp']);
  describeInterop(suite, 'frr', { cli: true });
  describeInterop(suite, 'gobgp');
});
