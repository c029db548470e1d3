// @ts-check
/**
 * The decisions behind `npm start`, kept free of side effects so they can be unit-tested:
 * can Electron open a window here (and if not, why), and which build outputs are stale.
 * Plain JavaScript because the launcher must run before anything is compiled.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Stable codes for "why no desktop window", printed by the launcher and asserted on by tests.
 * @type {readonly ['forced', 'electron-not-installed', 'electron-binary-missing', 'no-display']}
 */
export const HEADLESS_REASONS = ['forced', 'electron-not-installed', 'electron-binary-missing', 'no-display']

/** Environment variable that forces the headless manager even where Electron could run. */
export const FORCE_HEADLESS_ENV = 'ARGON_HEADLESS'

/**
 * Asks the `electron` package where its binary is. From plain Node, `require('electron')`
 * returns the binary's path, or throws when the package is absent or its download never
 * happened (ELECTRON_SKIP_BINARY_DOWNLOAD, no network).
 * @param {(id: string) => unknown} requireFn `createRequire(import.meta.url)` in production
 * @param {(path: string) => boolean} exists
 * @returns {import('./launch-mode.d.mts').ElectronProbe}
 */
export function probeElectron(requireFn, exists) {
  let resolved
  try {
    resolved = requireFn('electron')
  } catch (error) {
    const code = /** @type {{ code?: unknown }} */ (error)?.code
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') return { status: 'not-installed' }
    return { status: 'binary-missing', detail: error instanceof Error ? error.message : String(error) }
  }
  if (typeof resolved !== 'string' || resolved === '') {
    return { status: 'binary-missing', detail: 'the electron package did not return a binary path' }
  }
  if (!exists(resolved)) return { status: 'binary-missing', detail: `${resolved} does not exist` }
  return { status: 'ok', path: resolved }
}

/**
 * Whether a window can be shown. macOS and Windows always have a desktop; elsewhere
 * (Linux, the BSDs) Electron needs an X11 or Wayland display.
 * @param {NodeJS.Platform} platform
 * @param {Record<string, string | undefined>} env
 */
export function hasDisplay(platform, env) {
  if (platform === 'darwin' || platform === 'win32') return true
  return Boolean(env.DISPLAY?.trim() || env.WAYLAND_DISPLAY?.trim())
}

/**
 * Desktop window or headless manager, and in the latter case why.
 * @param {{ electron: import('./launch-mode.d.mts').ElectronProbe, platform: NodeJS.Platform, env: Record<string, string | undefined> }} input
 * @returns {import('./launch-mode.d.mts').LaunchDecision}
 */
export function decideLaunchMode({ electron, platform, env }) {
  const forced = env[FORCE_HEADLESS_ENV]
  if (forced !== undefined && forced !== '' && forced !== '0' && forced.toLowerCase() !== 'false') {
    return { mode: 'headless', reason: 'forced', message: `${FORCE_HEADLESS_ENV} is set` }
  }
  if (electron.status === 'not-installed') {
    return {
      mode: 'headless',
      reason: 'electron-not-installed',
      message: 'the electron package is not installed (it is an optional dependency)',
    }
  }
  if (electron.status === 'binary-missing') {
    return {
      mode: 'headless',
      reason: 'electron-binary-missing',
      message: `Electron's binary is not installed: its download failed or was skipped (${electron.detail})`,
    }
  }
  if (!hasDisplay(platform, env)) {
    return {
      mode: 'headless',
      reason: 'no-display',
      message: 'no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)',
    }
  }
  return { mode: 'desktop', electronPath: electron.path }
}

/**
 * What the launcher prints when it falls back: the reason code and why, then what happens instead.
 * @param {{ reason: string, message: string }} decision
 */
export function describeHeadless(decision) {
  return (
    `argon: no desktop window (${decision.reason}): ${decision.message}\n` +
    'argon: running the manager headless instead; open the dashboard URL below in a browser'
  )
}

/** Folders never worth walking when looking for sources. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', 'release'])

/**
 * Newest modification time (ms) among the files under `paths` (files or folders, walked
 * recursively); 0 when none exists.
 * @param {readonly string[]} paths
 */
export function newestMtime(paths) {
  let newest = 0
  /** @param {string} path */
  const visit = (path) => {
    let stats
    try {
      stats = statSync(path)
    } catch {
      return
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path)) {
        if (!SKIPPED_DIRS.has(entry)) visit(join(path, entry))
      }
    } else if (stats.mtimeMs > newest) {
      newest = stats.mtimeMs
    }
  }
  for (const path of paths) visit(path)
  return newest
}

/**
 * Whether a build step must run: an output is missing, or a source is newer than the
 * oldest output (tsc and vite rewrite every output, so the oldest one dates the build).
 * @param {{ sources: readonly string[], outputs: readonly string[] }} step
 * @returns {{ stale: false } | { stale: true, why: string }}
 */
export function checkFreshness(step) {
  let oldestOutput = Infinity
  for (const output of step.outputs) {
    let mtime
    try {
      mtime = statSync(output).mtimeMs
    } catch {
      return { stale: true, why: `${output} is missing` }
    }
    oldestOutput = Math.min(oldestOutput, mtime)
  }
  const newestSource = newestMtime(step.sources)
  if (newestSource > oldestOutput) return { stale: true, why: 'sources changed since the last build' }
  return { stale: false }
}

/**
 * What `npm start` builds before it runs, in order. The desktop bundle is only needed for
 * the window; its main process loads the manager from dist/ at run time.
 * @param {string} root the package root
 * @param {'desktop' | 'headless'} mode
 * @returns {import('./launch-mode.d.mts').BuildStep[]}
 */
export function buildPlan(root, mode) {
  /** @param {string[]} parts */
  const at = (...parts) => join(root, ...parts)
  /** @type {import('./launch-mode.d.mts').BuildStep[]} */
  const steps = [
    {
      name: 'manager, agent and CLI',
      script: 'build:node',
      sources: [
        'protocol',
        'manager',
        'node-agent',
        'client',
        'cli',
        'cli-options',
        'tsconfig.build.json',
        'tsconfig.base.json',
      ].map((p) => at(p)),
      outputs: [at('dist', 'cli', 'argon.js'), at('dist', 'manager', 'index.js')],
    },
    {
      name: 'dashboard',
      script: 'build:renderer',
      sources: [at('renderer'), at('protocol')],
      outputs: [at('dist', 'renderer', 'index.html')],
    },
  ]
  if (mode === 'desktop') {
    steps.push({
      name: 'desktop shell',
      script: 'build:desktop',
      sources: [at('electron'), at('protocol'), at('electron.vite.config.ts')],
      outputs: [at('out', 'main', 'index.js'), at('out', 'preload', 'index.cjs')],
    })
  }
  return steps
}

/**
 * Arguments for the headless `argon manager`: whatever followed `--` on the command line.
 * @param {readonly string[]} extraArgs
 */
export function headlessManagerArgs(extraArgs) {
  return ['manager', ...extraArgs]
}
