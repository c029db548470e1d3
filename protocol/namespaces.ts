/** Socket.IO namespaces of the manager. */
export const NAMESPACES = {
  client: '/client',
  node: '/node',
  control: '/control',
} as const

/**
 * Socket.IO paths. Machines (clients, agents) speak the binary packet codec on `machine`;
 * browsers and the CLI's control commands speak plain Socket.IO JSON on `control`.
 */
export const SOCKET_PATHS = {
  machine: '/argon.io',
  control: '/control.io',
  /** Data links of machine connections (protocol/data-link.ts): an HTTP upgrade, not Socket.IO. */
  data: '/argon.data',
} as const

/** The unauthenticated liveness route. */
export const HEALTH_ROUTE = '/health'
