import { MAX_JOBS_PER_CLIENT, type JobReport } from '../protocol/index.js'
import { JobTracker, jobName } from './job.js'

/** How often a running job's progress goes to the manager, ms (a job starting or ending goes at once). */
const JOB_REPORT_MS = 250

/** What the reports need of the link: whether it is up, and a way to send. */
export interface JobReportLink {
  readonly connected: boolean
  send(reports: JobReport[]): void
}

/**
 * A client's jobs and their reports to the manager: the client counts its own jobs' outcomes and
 * sends each changed job's whole state at most every 250 ms, at once when a job starts or ends,
 * and all of them again after a reconnect (the manager may have restarted meanwhile).
 */
export class JobReports {
  readonly #link: JobReportLink
  /** Jobs not yet reported finished, by key. */
  readonly #jobs = new Map<string, JobTracker>()
  readonly #dirty = new Set<JobTracker>()
  #timer: NodeJS.Timeout | null = null
  #timerUrgent = false
  #seq = 0

  constructor(link: JobReportLink) {
    this.#link = link
  }

  /** Starts tracking a new job (reported at once). */
  open(name: string, total: number | undefined): JobTracker {
    const tracker = new JobTracker((++this.#seq).toString(36), jobName(name), total)
    this.#jobs.set(tracker.key, tracker)
    this.changed(tracker)
    return tracker
  }

  /** A job still tracked, by the key its tasks carry. */
  get(key: string): JobTracker | undefined {
    return this.#jobs.get(key)
  }

  /** Schedules a report of the job: at once when it starts or ends, else with the next round. */
  changed(job: JobTracker): void {
    this.#dirty.add(job)
    const urgent = job.reported !== job.state
    if (this.#timer !== null && (this.#timerUrgent || !urgent)) return
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timerUrgent = urgent
    this.#timer = setTimeout(this.#onTimer, urgent ? 0 : JOB_REPORT_MS)
  }

  /** After a (re)connect: the manager may have forgotten our jobs, so report them whole. */
  reportAll(): void {
    for (const job of this.#jobs.values()) this.#dirty.add(job)
    this.flush()
  }

  /** The client is closing: its running jobs end cancelled, reported now if the link is up. */
  close(): void {
    for (const job of this.#jobs.values()) {
      if (job.state === 'running') {
        job.cancelled = true
        this.#dirty.add(job)
      }
    }
  }

  /** Sends the state of every job that changed; a finished job is forgotten once reported. */
  flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#timerUrgent = false
    if (this.#dirty.size === 0 || !this.#link.connected) return
    const jobs = [...this.#dirty]
    this.#dirty.clear()
    for (let i = 0; i < jobs.length; i += MAX_JOBS_PER_CLIENT) {
      const reports = jobs.slice(i, i + MAX_JOBS_PER_CLIENT).map((job) => {
        job.reported = job.state
        if (job.reported !== 'running') this.#jobs.delete(job.key)
        return job.report()
      })
      this.#link.send(reports)
    }
  }

  readonly #onTimer = (): void => {
    this.#timer = null
    this.#timerUrgent = false
    this.flush()
  }
}
