import { z } from 'zod'
import { MAX_FUNCTION_SOURCE_CHARS } from './limits.js'
import { wireErrorSchema } from './wire-error.js'

export const PRIORITIES = ['high', 'normal', 'low'] as const
/** Queue priority of a task; FIFO within a priority. */
export type Priority = (typeof PRIORITIES)[number]

/** A client-made task id, unique per client (the client prefixes it with its own id). */
export const taskIdSchema = z.string().min(1).max(128)

/** Opaque bytes: V8-serialized user data that only the client and the child process decode. */
export const bytesSchema = z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'expected bytes' })

/**
 * What to run: a function shipped as source text, or a named export of a module that the
 * worker machine can import.
 */
export const taskFunctionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('source'), source: z.string().min(1).max(MAX_FUNCTION_SOURCE_CHARS) }),
  z.object({ kind: z.literal('module'), module: z.string().min(1).max(4096), export: z.string().min(1).max(256) }),
])
export type TaskFunction = z.infer<typeof taskFunctionSchema>

/** Client → manager (and manager → stand-alone agent): one task to run. */
export const taskSubmissionSchema = z.object({
  id: taskIdSchema,
  fn: taskFunctionSchema,
  args: bytesSchema,
  priority: z.enum(PRIORITIES).optional(),
  /** Milliseconds a run may take before its child is killed and the task fails with TASK_TIMEOUT. */
  timeout: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1)
    .optional(),
})
export type TaskSubmission = z.infer<typeof taskSubmissionSchema>

export const CANCEL_REASONS = ['cancel', 'timeout'] as const
export const cancelRequestSchema = z.object({ id: taskIdSchema, reason: z.enum(CANCEL_REASONS) })
export type CancelRequest = z.infer<typeof cancelRequestSchema>

/** Manager → client: the one answer a task id ever gets. */
export const taskOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ id: taskIdSchema, ok: z.literal(true), result: bytesSchema, node: z.string() }),
  z.object({ id: taskIdSchema, ok: z.literal(false), error: wireErrorSchema }),
])
export type TaskOutcome = z.infer<typeof taskOutcomeSchema>

/** Manager → node-agent: one task to run, with the attempt number it is on. */
export const taskAssignmentSchema = z.object({
  id: taskIdSchema,
  attempt: z.number().int().min(1),
  fn: taskFunctionSchema,
  args: bytesSchema,
  timeout: z.number().int().positive().optional(),
})
export type TaskAssignment = z.infer<typeof taskAssignmentSchema>

/**
 * Node-agent → manager: how one assignment ended. An error with code `WORKER_LOST` means the
 * child died mid-task; the manager counts the attempt and runs the task again elsewhere.
 */
export const nodeTaskOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({
    id: taskIdSchema,
    attempt: z.number().int().min(1),
    ok: z.literal(true),
    result: bytesSchema,
    ms: z.number().min(0),
  }),
  z.object({
    id: taskIdSchema,
    attempt: z.number().int().min(1),
    ok: z.literal(false),
    error: wireErrorSchema,
    ms: z.number().min(0),
  }),
])
export type NodeTaskOutcome = z.infer<typeof nodeTaskOutcomeSchema>

/** Manager → node-agent (work stealing): hand back up to `count` tasks that have not started. */
export const stealRequestSchema = z.object({ count: z.number().int().min(1).max(100_000) })
export type StealRequest = z.infer<typeof stealRequestSchema>

/** Node-agent → manager: the ids of tasks handed back unstarted (after `task:steal`, or when leaving). */
export const returnedTasksSchema = z.array(taskIdSchema).max(100_000)
