export { startNodeAgent, type NodeAgent, type NodeAgentOptions } from './node-agent.js'
export { ChildPool, type ChildPoolOptions } from './child-pool.js'
