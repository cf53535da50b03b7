/** Calico Node (libcalico-go apis/v3 node.go): the BGP addresses, AS, route-reflector cluster and tunnel addresses. */
import { parseIpWithNetwork } from '../address.js';
import type { ResourceReader } from '../fields.js';
import type { RawObject } from '../yaml-documents.js';
import { dropUndefined } from './bgp-configuration.js';
import { readAsNumber, readIp } from './common.js';
import type { CalicoNode, Meta, NodeAddress } from './types.js';

function readNodeAddress(r: ResourceReader, v: RawObject[string] | undefined, field: string, family: 'ipv4' | 'ipv6'): NodeAddress | undefined {
  const s = r.text(v, field);
  if (s === undefined) return undefined;
  const parsed = parseIpWithNetwork(s);
  if (parsed === null) return r.fail(field, `"${s}" is not an address with an optional prefix length (e.g. ${family === 'ipv4' ? '10.0.0.2/24' : 'fd00::2/64'})`);
  if (parsed.ip.family !== family) return r.fail(field, `"${s}" is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
  return parsed;
}

export function readNode(r: ResourceReader, meta: Meta, spec: RawObject | undefined, labels: Record<string, string>): CalicoNode {
  const s = spec ?? {};
  r.unknownFields(spec, 'spec', [
    'bgp',
    'ipv4VXLANTunnelAddr',
    'ipv6VXLANTunnelAddr',
    'vxlanTunnelMACAddr',
    'vxlanTunnelMACAddrV6',
    'wireguard',
    'addresses',
    'orchRefs',
    'interfaceName',
  ]);
  const bgpRaw = r.object(s['bgp'], 'spec.bgp');
  r.unknownFields(bgpRaw, 'spec.bgp', ['ipv4Address', 'ipv6Address', 'asNumber', 'routeReflectorClusterID', 'ipv4IPIPTunnelAddr']);
  let bgp: CalicoNode['bgp'];
  if (bgpRaw) {
    const clusterId = r.text(bgpRaw['routeReflectorClusterID'], 'spec.bgp.routeReflectorClusterID');
    const clusterIp = clusterId === undefined ? undefined : readIp(r, clusterId, 'spec.bgp.routeReflectorClusterID');
    if (clusterIp && clusterIp.family !== 'ipv4') r.fail('spec.bgp.routeReflectorClusterID', `"${clusterId}" is not an IPv4 address`);
    bgp = dropUndefined({
      ipv4Address: readNodeAddress(r, bgpRaw['ipv4Address'], 'spec.bgp.ipv4Address', 'ipv4'),
      ipv6Address: readNodeAddress(r, bgpRaw['ipv6Address'], 'spec.bgp.ipv6Address', 'ipv6'),
      asNumber: readAsNumber(r, bgpRaw['asNumber'], 'spec.bgp.asNumber'),
      routeReflectorClusterID: clusterIp?.text,
      ipv4IPIPTunnelAddr: readIp(r, bgpRaw['ipv4IPIPTunnelAddr'], 'spec.bgp.ipv4IPIPTunnelAddr'),
    });
  }
  const wgRaw = r.object(s['wireguard'], 'spec.wireguard');
  r.unknownFields(wgRaw, 'spec.wireguard', ['interfaceIPv4Address', 'interfaceIPv6Address']);
  const mac = r.text(s['vxlanTunnelMACAddr'], 'spec.vxlanTunnelMACAddr');
  if (mac !== undefined && !/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac)) {
    r.fail('spec.vxlanTunnelMACAddr', `"${mac}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  const node: CalicoNode = dropUndefined({
    kind: 'Node' as const,
    ...meta,
    labels,
    bgp,
    ipv4VXLANTunnelAddr: readIp(r, s['ipv4VXLANTunnelAddr'], 'spec.ipv4VXLANTunnelAddr'),
    ipv6VXLANTunnelAddr: readIp(r, s['ipv6VXLANTunnelAddr'], 'spec.ipv6VXLANTunnelAddr'),
    vxlanTunnelMACAddr: mac?.toLowerCase(),
    wireguard: wgRaw
      ? dropUndefined({
          interfaceIPv4Address: readIp(r, wgRaw['interfaceIPv4Address'], 'spec.wireguard.interfaceIPv4Address'),
          interfaceIPv6Address: readIp(r, wgRaw['interfaceIPv6Address'], 'spec.wireguard.interfaceIPv6Address'),
        })
      : undefined,
  });
  if (node.ipv4VXLANTunnelAddr && node.ipv4VXLANTunnelAddr.family !== 'ipv4') r.fail('spec.ipv4VXLANTunnelAddr', 'must be an IPv4 address');
  if (node.ipv6VXLANTunnelAddr && node.ipv6VXLANTunnelAddr.family !== 'ipv6') r.fail('spec.ipv6VXLANTunnelAddr', 'must be an IPv6 address');
  if (node.bgp?.ipv4IPIPTunnelAddr && node.bgp.ipv4IPIPTunnelAddr.family !== 'ipv4') r.fail('spec.bgp.ipv4IPIPTunnelAddr', 'must be an IPv4 address');
  return node;
}
