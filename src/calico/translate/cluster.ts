/**
 * The cluster as confd's v1 keys saw it (bgpnodeprocessor.go and client.go):
 * per node its BGP addresses, AS, route-reflector cluster and listen port,
 * with Calico's global defaults (AS 64512, mesh on) applied.
 */
import type { IpAddress } from '../address.js';
import { evaluateSelector, type Selector } from '../selector/index.js';
import type { BgpConfigurationSpec, CalicoNode, CalicoResources, NodeAddress } from '../resources/types.js';

export const DEFAULT_AS_NUMBER = 64512;

export interface NodeView {
  readonly name: string;
  readonly node: CalicoNode;
  readonly ipv4?: NodeAddress;
  readonly ipv6?: NodeAddress;
  /** The node's own AS (spec.bgp.asNumber), undefined when it uses the global AS. */
  readonly ownAsNumber?: number;
  /** AS the node speaks: its own or the global one. */
  readonly asNumber: number;
  readonly rrClusterId?: string;
  /** From BGPConfiguration node.<name>. */
  readonly ownListenPort?: number;
}

export class ClusterView {
  readonly global: BgpConfigurationSpec;
  readonly globalAsNumber: number;
  readonly globalListenPort?: number;
  readonly nodes: readonly NodeView[];
  private readonly byName: ReadonlyMap<string, NodeView>;
  /** Every node BGP address (either family), for "is this peer a Calico node". */
  private readonly nodeIps: ReadonlySet<string>;

  constructor(readonly resources: CalicoResources) {
    this.global = resources.bgpConfigurations.get('default')?.spec ?? {};
    this.globalAsNumber = this.global.asNumber ?? DEFAULT_AS_NUMBER;
    if (this.global.listenPort !== undefined) this.globalListenPort = this.global.listenPort;
    const views: NodeView[] = [];
    for (const node of resources.nodes.values()) {
      const own = resources.bgpConfigurations.get(`node.${node.name}`)?.spec.listenPort;
      views.push({
        name: node.name,
        node,
        ...(node.bgp?.ipv4Address ? { ipv4: node.bgp.ipv4Address } : {}),
        ...(node.bgp?.ipv6Address ? { ipv6: node.bgp.ipv6Address } : {}),
        ...(node.bgp?.asNumber !== undefined ? { ownAsNumber: node.bgp.asNumber } : {}),
        asNumber: node.bgp?.asNumber ?? this.globalAsNumber,
        ...(node.bgp?.routeReflectorClusterID ? { rrClusterId: node.bgp.routeReflectorClusterID } : {}),
        ...(own !== undefined ? { ownListenPort: own } : {}),
      });
    }
    this.nodes = views;
    this.byName = new Map(views.map((v) => [v.name, v]));
    this.nodeIps = new Set(views.flatMap((v) => [v.ipv4?.ip.text, v.ipv6?.ip.text]).filter((x): x is string => x !== undefined));
  }

  node(name: string): NodeView | undefined {
    return this.byName.get(name);
  }

  nodesMatching(selector: Selector): NodeView[] {
    return this.nodes.filter((n) => evaluateSelector(selector, n.node.labels));
  }

  isCalicoNodeIp(ip: IpAddress): boolean {
    return this.nodeIps.has(ip.text);
  }

  /** The port a node listens on: its own listenPort, else the global one; null for BGP's 179. */
  listenPortOf(n: NodeView): number | null {
    return n.ownListenPort ?? this.globalListenPort ?? null;
  }

  /**
   * Nodes whose address is `ip` and whose AS is `asNumber` (0 = the global
   * AS); with a port, the node must listen on it (client.go nodesWithIPPortAndAS).
   */
  nodesWithIpPortAndAs(ip: IpAddress, asNumber: number, port: number | null): NodeView[] {
    const want = asNumber === 0 ? this.globalAsNumber : asNumber;
    return this.nodes.filter((n) => {
      if (n.ipv4?.ip.text !== ip.text && n.ipv6?.ip.text !== ip.text) return false;
      if (n.asNumber !== want) return false;
      if (port !== null) {
        // Mirrors client.go exactly, including that a global listenPort is checked even when the
        // node's own port matches.
        if (n.ownListenPort !== undefined && n.ownListenPort !== port) return false;
        if (this.globalListenPort !== undefined && this.globalListenPort !== port) return false;
      }
      return true;
    });
  }
}
