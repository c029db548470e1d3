/** Broker settings shared by the caller and the workers: TCP on loopback, no UDP, silent. */
import type { BrokerOptions } from 'moleculer'

export const NAMESPACE = 'argon-bench'
export const SERVICE = 'bench'

/** Options for one broker; `urls` lists the other nodes as `127.0.0.1:PORT/NODE_ID`. */
export function brokerOptions(nodeID: string, urls: string[]): BrokerOptions {
  return {
    namespace: NAMESPACE,
    nodeID,
    logger: false,
    metrics: false,
    tracing: false,
    transporter: {
      type: 'TCP',
      // Port 0: a free port; the workers print theirs and the caller dials them by static URL.
      // Gossip every second so the caller sees the workers' services promptly at start-up.
      options: { udpDiscovery: false, port: 0, urls, useHostname: false, gossipPeriod: 1 },
    },
  }
}
