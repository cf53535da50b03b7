/**
 * petrel against ExaBGP 4.2 in network namespaces on one LAN: eBGP/IPv4,
 * iBGP/IPv6, MD5, GTSM, active/passive, hold timer and graceful restart,
 * each checked through ExaBGP's API (`show neighbor`, the UPDATEs it
 * reports) and petrel's API (see describeInterop in test/support/petrel.ts).
 */
import { useLab } from '../support/netns.js';
import { describeInterop, useInteropLab } from '../support/petrel.js';

describe('interop: petrel with ExaBGP', function () {
  this.timeout(90_000);
  useLab();
  const suite = useInteropLab(['exabgp'], {
    // ExaBGP 4.2 applies no TTL security to connections it accepts (the launcher refuses the
    // combination), so GTSM is tested only with ExaBGP connecting to a passive petrel (gtsmIn).
    exabgp: { gtsmOut: 'ExaBGP 4.2 ignores TTL security when passive' },
  });
  describeInterop(suite, 'exabgp', { cli: true });
});
