#!/usr/bin/env node
// @ts-check
/**
 * `npm start`: the desktop app where Electron can open a window, otherwise the same manager
 * headless with its dashboard. Builds whatever is missing or older than its sources first,
 * so there is no separate step to remember.
 *
 *   npm start                        desktop window, or headless on 0.0.0.0:8000
 *   npm start -- --port 0            extra arguments go to the manager (both modes)
 *   ARGON_HEADLESS=1 npm start       headless even where a window could open
 *   ARGON_START_SKIP_BUILD=1         run what is built, as it is (tests: never rebuild
 *                                    files that other test processes are reading)
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  buildPlan,
  checkFreshness,
  decideLaunchMode,
  describeHeadless,
  headlessManagerArgs,
  probeElectron,
} from './launch-mode.mjs'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const extraArgs = process.argv.slice(2)

const decision = decideLaunchMode({
  electron: probeElectron(createRequire(import.meta.url), existsSync),
  platform: process.platform,
  env: process.env,
})

if (process.env.ARGON_START_SKIP_BUILD) console.log('argon: not checking the builds (ARGON_START_SKIP_BUILD is set)')
else runBuilds(decision.mode)

if (decision.mode === 'desktop') {
  // The main process reads --port/--host/--queue-size after the app path.
  runForwardingSignals(decision.electronPath, [ROOT, ...extraArgs], withoutRunAsNode(process.env), 'Electron')
} else {
  console.log(describeHeadless(decision))
  runForwardingSignals(
    process.execPath,
    [join(ROOT, 'dist', 'cli', 'argon.js'), ...headlessManagerArgs(extraArgs)],
    process.env,
    'manager',
  )
}

/**
 * Runs each stale build step through npm, in order; stops the launcher if one fails.
 * @param {'desktop' | 'headless'} mode
 */
function runBuilds(mode) {
  const scripts = readScripts()
  for (const step of buildPlan(ROOT, mode)) {
    const freshness = checkFreshness(step)
    if (!freshness.stale) continue
    if (!scripts.has(step.script)) {
      console.warn(
        `argon: cannot build the ${step.name} (${freshness.why}): package.json has no "${step.script}" script`,
      )
      continue
    }
    console.log(`argon: building the ${step.name} (${freshness.why}): npm run ${step.script}`)
    const result = spawnSync(npmCommand(), ['run', step.script], {
      cwd: ROOT,
      stdio: 'inherit',
      // npm is a .cmd shim on Windows, which only a shell can run.
      shell: process.platform === 'win32',
    })
    if (result.status !== 0) {
      console.error(`argon: npm run ${step.script} failed${result.error ? `: ${result.error.message}` : ''}`)
      process.exit(result.status ?? 1)
    }
  }
}

/** @returns {Set<string>} */
function readScripts() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  return new Set(Object.keys(pkg.scripts ?? {}))
}

function npmCommand() {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm'
}

/**
 * Electron started from a shell where ELECTRON_RUN_AS_NODE leaked in would run as plain Node.
 * @param {NodeJS.ProcessEnv} env
 */
function withoutRunAsNode(env) {
  const copy = { ...env }
  delete copy.ELECTRON_RUN_AS_NODE
  return copy
}

/**
 * Runs the child in the foreground and exits with its status. The child gets its own
 * process group so that Ctrl-C reaches it exactly once (from us) rather than twice (from
 * the terminal and from us), which a manager could read as "force quit".
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {string} label
 */
function runForwardingSignals(command, args, env, label) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: 'inherit',
    detached: process.platform !== 'win32',
  })
  console.log(`argon: ${label} running as pid ${child.pid}`)

  /** @type {Partial<Record<NodeJS.Signals, number>>} */
  const lastForwarded = {}
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => {
    // npm and the terminal may both deliver one Ctrl-C within a few ms; pass it on once,
    // but let a deliberate second Ctrl-C through.
    const now = Date.now()
    if (now - (lastForwarded[signal] ?? 0) < 500) return
    lastForwarded[signal] = now
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  /** @type {NodeJS.Signals[]} */
  const signals = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, forward)

  // `npm start` runs us through a shell: a SIGTERM to npm (a service manager stopping it) reaches
  // that shell, which dies without passing it on, and a SIGHUP ends npm alone. Our parent
  // changing, or npm being gone, means whoever started us is gone: stop the child as if told to,
  // so the port is freed and nothing is left running.
  const startedBy = process.ppid
  const npmPid = process.env.npm_lifecycle_event ? parentOf(startedBy) : undefined
  const parentWatch = setInterval(() => {
    if (process.ppid !== startedBy || (npmPid !== undefined && !isAlive(npmPid))) {
      clearInterval(parentWatch)
      console.log(`argon: the process that started ${label} is gone; stopping it`)
      forward('SIGTERM')
    }
  }, 200)
  parentWatch.unref()

  child.once('error', (error) => {
    console.error(`argon: could not start ${label}: ${error.message}`)
    process.exit(1)
  })
  child.once('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward)
    if (label === 'Electron' && code !== 0 && signal === null && Object.keys(lastForwarded).length === 0) {
      console.error(
        `argon: Electron exited with code ${code}; ARGON_HEADLESS=1 npm start runs the manager without a window`,
      )
    }
    if (signal !== null) {
      // Die the same way so whoever started us (npm, a shell) sees the signal.
      process.kill(process.pid, signal)
      return
    }
    process.exit(code ?? 1)
  })
}

/**
 * The parent of `pid`, where the system tells (Linux /proc, else `ps`); undefined otherwise.
 * @param {number} pid
 * @returns {number | undefined}
 */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    const ps = spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' })
    const parent = Number(ps.stdout?.trim())
    return Number.isInteger(parent) && parent > 1 ? parent : undefined
  }
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM'
  }
}
