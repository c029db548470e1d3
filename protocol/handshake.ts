import { z } from 'zod'
import { MAX_NODE_NAME_CHARS } from './frame-layout.js'

/** Every Socket.IO connection authenticates with `auth: { token, protocol, … }`. */
const base = { token: z.string().min(1).max(1024), protocol: z.number().int() }

/** Handshake of a client library connection (namespace `/client`). */
export const clientHandshakeSchema = z.object({
  ...base,
  /** Stable for the life of a Client object, so results can wait for it across reconnects. */
  clientId: z.string().min(8).max(64),
  /** False: do not stream the output of this client's tasks to it (it opted out). @default true */
  output: z.boolean().optional(),
})
export type ClientHandshake = z.infer<typeof clientHandshakeSchema>

/** Handshake of a node-agent (namespace `/node`). */
export const nodeHandshakeSchema = z.object({
  ...base,
  /** Stable across reconnects of one agent process. */
  nodeId: z.string().min(8).max(64),
  /**
   * A random secret the agent makes once per process and sends on every connection. The manager
   * binds the node id to it at the first registration, so only that agent can take the id over
   * when it reconnects.
   */
  nodeSecret: z.string().min(16).max(128),
  name: z.string().min(1).max(MAX_NODE_NAME_CHARS),
  /**
   * True when an operator chose the name (`--name`): if a connected node holds it, the join is
   * refused with NAME_IN_USE. Otherwise (a default name) the manager picks a free one (`vm-2`).
   */
  nameChosen: z.boolean().optional(),
  host: z.string().max(256),
  workers: z.number().int().min(1).max(4096),
  pid: z.number().int(),
  version: z.string().max(64),
})
export type NodeHandshake = z.infer<typeof nodeHandshakeSchema>

/** Handshake of the dashboard or the `argon nodes|drain|resume` commands (namespace `/control`). */
export const controlHandshakeSchema = z.object({ ...base })
export type ControlHandshake = z.infer<typeof controlHandshakeSchema>
