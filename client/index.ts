export { Client, type ClientOptions, type CallOptions, type MapOptions, type Deferred, type TaskFn } from './client.js'
export { ArgonError, TaskError } from './errors.js'
export type { ModuleTask } from './task-function.js'
export type { ClusterStatus, NodeStatus, NodeState, Priority, ErrorCode } from '../protocol/index.js'
