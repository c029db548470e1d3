import { z } from 'zod'
import { MAX_BATCH_ITEMS, MAX_TASK_OUTPUT_BYTES } from './limits.js'
import { taskIdSchema } from './task.js'

/**
 * What tasks write to stdout and stderr, captured in the child process that runs them, streamed
 * to the task's client (which prints it with a `[node pid]` prefix) and kept in the task's
 * history record. Chunks are batched: one message per flush, never one per write.
 */
export const OUTPUT_STREAMS = ['stdout', 'stderr'] as const
export type OutputStream = (typeof OUTPUT_STREAMS)[number]

/** Room for the cut marker on top of the per-task bound. */
const MARKER_CHARS = 256

/** Node-agent → manager (`task:output` on `/node`): output of tasks the node runs. */
export const taskOutputChunkSchema = z.object({
  id: taskIdSchema,
  /** The child process that ran the task. */
  pid: z.number().int().min(0),
  stream: z.enum(OUTPUT_STREAMS),
  text: z
    .string()
    .min(1)
    .max(MAX_TASK_OUTPUT_BYTES + MARKER_CHARS),
})
export type TaskOutputChunk = z.infer<typeof taskOutputChunkSchema>
export const taskOutputBatchSchema = z.array(taskOutputChunkSchema).min(1).max(MAX_BATCH_ITEMS)

/** Manager → client (`task:output` on `/client`): the same, with the name of the node that ran it. */
export const clientOutputChunkSchema = taskOutputChunkSchema.extend({ node: z.string().max(256) })
export type ClientOutputChunk = z.infer<typeof clientOutputChunkSchema>
export const clientOutputBatchSchema = z.array(clientOutputChunkSchema).min(1).max(MAX_BATCH_ITEMS)
