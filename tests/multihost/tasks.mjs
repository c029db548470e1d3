/**
 * The task the multi-host tests run on the agents (plain JavaScript: a worker child imports it
 * as is). The hosts share one file system, so every run leaves a file the test can count.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleepFor } from 'node:timers/promises'

/**
 * Writes `<dir>/<tag>@<node>.<pid>.<n>` when it starts (one file per run, so a task that runs
 * twice leaves two), sleeps `ms`, and answers with the tag and the node that ran it.
 */
let runs = 0
export async function recordRun(dir, tag, ms) {
  const node = process.env.ARGON_NODE_NAME ?? 'unknown'
  writeFileSync(join(dir, `${tag}@${node}.${process.pid}.${++runs}`), '')
  await sleepFor(ms)
  return { tag, node }
}
