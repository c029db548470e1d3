/** Types of launch-mode.mjs (the launcher is plain JavaScript so it runs before any build). */

export type HeadlessReason = 'forced' | 'electron-not-installed' | 'electron-binary-missing' | 'no-display'

export declare const HEADLESS_REASONS: readonly HeadlessReason[]
export declare const FORCE_HEADLESS_ENV: 'ARGON_HEADLESS'

/** What `require('electron')` told us. */
export type ElectronProbe =
  { status: 'ok'; path: string } | { status: 'not-installed' } | { status: 'binary-missing'; detail: string }

export type LaunchDecision =
  { mode: 'desktop'; electronPath: string } | { mode: 'headless'; reason: HeadlessReason; message: string }

export interface BuildStep {
  /** What is being built, for the launcher's messages. */
  name: string
  /** The package.json script that performs it. */
  script: string
  sources: string[]
  outputs: string[]
}

export declare function probeElectron(
  requireFn: (id: string) => unknown,
  exists: (path: string) => boolean,
): ElectronProbe
export declare function hasDisplay(platform: NodeJS.Platform, env: Record<string, string | undefined>): boolean
export declare function decideLaunchMode(input: {
  electron: ElectronProbe
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
}): LaunchDecision
export declare function describeHeadless(decision: { reason: string; message: string }): string
export declare function newestMtime(paths: readonly string[]): number
export declare function checkFreshness(step: {
  sources: readonly string[]
  outputs: readonly string[]
}): { stale: false } | { stale: true; why: string }
export declare function buildPlan(root: string, mode: 'desktop' | 'headless'): BuildStep[]
export declare function headlessManagerArgs(extraArgs: readonly string[]): string[]
