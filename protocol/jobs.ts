import { z } from 'zod'

/**
 * A job: tasks a client groups under one name (`client.map`, `client.job(name)`), so operators
 * see their progress and can cancel them together.
 *
 * `running`: tasks may still come or are in flight. `done`: ended, every task succeeded.
 * `failed`: ended, at least one task failed (a map stops at its first failure). `cancelled`: by
 * its client or an operator; its queued and running tasks were cancelled. `abandoned`: its client
 * went away and did not come back in time.
 */
export const JOB_STATES = ['running', 'done', 'failed', 'cancelled', 'abandoned'] as const
export type JobState = (typeof JOB_STATES)[number]

/** Longest job name. */
export const MAX_JOB_NAME_CHARS = 200
/** Most jobs one client may report at once (and keep running). */
export const MAX_JOBS_PER_CLIENT = 1000

/** A client's job key: its own number for the job, unique per client (letters and digits). */
export const jobKeySchema = z
  .string()
  .min(1)
  .max(16)
  .regex(/^[0-9a-z]+$/)

/**
 * A task of a job carries its job's key at the end of its id (`<client>-<n>~<key>`), so the
 * manager can cancel a job's tasks itself, also while the job's client is away.
 */
export function jobTaskSuffix(key: string): string {
  return `~${key}`
}

/**
 * Client → manager (`job:update` on `/client`): the whole current state of each job that changed.
 * Full states, not deltas, so a report lost with a dropped link is made good by the next one.
 */
export const jobReportSchema = z.object({
  key: jobKeySchema,
  name: z.string().min(1).max(MAX_JOB_NAME_CHARS),
  /** Tasks the job will run (for `client.job`, those started so far unless a total was given). */
  total: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Tasks that succeeded. */
  done: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Tasks that failed (not counting those the job's cancellation stopped). */
  failed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Tasks sent and not answered yet. */
  inFlight: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
})
export type JobReport = z.infer<typeof jobReportSchema>
export const jobReportsSchema = z.array(jobReportSchema).min(1).max(MAX_JOBS_PER_CLIENT)

/** Manager → client (`job:cancel` on `/client`): an operator cancelled this job. */
export const jobCancelOrderSchema = z.object({ key: jobKeySchema })
export type JobCancelOrder = z.infer<typeof jobCancelOrderSchema>

/** A job as the manager shows it (dashboard, `argon jobs`). */
export const jobStatusSchema = z.object({
  /** The manager's number for the job (what `argon jobs cancel` takes). */
  id: z.number().int().min(1),
  name: z.string(),
  /** The client that runs it (its id, shortened). */
  client: z.string(),
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  inFlight: z.number().int(),
  state: z.enum(JOB_STATES),
  /** Tasks settled per second over the last few seconds. */
  rate: z.number(),
  /** ms until the job is expected to finish at that rate; null when unknown or finished. */
  etaMs: z.number().nullable(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  /** False while the job's client is disconnected (its tasks keep running; it may come back). */
  clientConnected: z.boolean(),
  /** An operator asked to cancel it (the job shows cancelled once its client has cancelled its tasks). */
  cancelRequested: z.boolean(),
})
export type JobStatus = z.infer<typeof jobStatusSchema>

/** `job:cancel` on `/control`. */
export const jobCancelRequestSchema = z.object({ id: z.number().int().min(1) })
export type JobCancelRequest = z.infer<typeof jobCancelRequestSchema>
