export { createManager, type Manager, type ManagerOptions, type LocalNodeHandle } from './create-manager.js'
export type { NodeIdentity, NodeLink } from './node-entry.js'
export { strategies, type SchedulingStrategy, type SchedulableNode } from './scheduling/index.js'
