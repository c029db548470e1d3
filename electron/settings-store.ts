/**
 * The desktop app's remembered manager settings: a small JSON file in Electron's userData
 * folder, validated on every read (a hand-edited or truncated file must not stop the app
 * from starting) and on every save (the dashboard sends it over IPC).
 * Pure Node: no 'electron' import, so it is unit-tested without Electron.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { DesktopSettings } from '../protocol/desktop.js'

/** Name of the settings file inside the userData folder. */
export const SETTINGS_FILE_NAME = 'manager-settings.json'

/** What a fresh install uses: every interface, the documented port, an unbounded queue. */
export const DEFAULT_DESKTOP_SETTINGS: Readonly<DesktopSettings> = Object.freeze({
  host: '0.0.0.0',
  port: 8000,
  queueSize: null,
})

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/**
 * Validates settings from disk or from the dashboard. Port 0 (a random port) is refused:
 * agents reconnect to a fixed address, which a random port would break on every restart.
 */
export const desktopSettingsSchema = z.object({
  host: z
    .string()
    .trim()
    .refine((host) => isIP(host) !== 0 || HOSTNAME.test(host), {
      message: 'host must be an IP address or a host name',
    }),
  port: z.number().int().min(1, { message: 'port must be 1..65535' }).max(65535, { message: 'port must be 1..65535' }),
  queueSize: z
    .number()
    .int()
    .min(0, { message: 'queue size must be a non-negative integer, or null for unbounded' })
    .max(100_000_000, { message: 'queue size must be at most 100000000' })
    .nullable(),
}) satisfies z.ZodType<DesktopSettings, unknown>

/** Outcome of validating untrusted settings. */
export type SettingsParseResult = { ok: true; settings: DesktopSettings } | { ok: false; message: string }

/** Validates `input` (from the dashboard or a file); the message names the bad field. */
export function parseDesktopSettings(input: unknown): SettingsParseResult {
  const result = desktopSettingsSchema.safeParse(input)
  if (result.success) return { ok: true, settings: result.data }
  const issue = result.error.issues[0]
  const field = issue?.path.join('.')
  return { ok: false, message: field ? `${field}: ${issue?.message}` : (issue?.message ?? 'invalid settings') }
}

/** Why the stored settings were not used (the defaults were, instead). */
export interface SettingsProblem {
  code: 'unreadable' | 'invalid-json' | 'invalid'
  message: string
}

export interface LoadedSettings {
  settings: DesktopSettings
  /** Set when a file existed but could not be used; absent for a missing file (first start). */
  problem?: SettingsProblem
}

/** Path of the settings file in a userData folder. */
export function settingsFilePath(userDataDir: string): string {
  return join(userDataDir, SETTINGS_FILE_NAME)
}

/**
 * Reads the settings file. A missing file gives the defaults; a broken one gives the defaults
 * plus a `problem` to show, so the app still starts. Fields a newer version added are ignored,
 * fields an older file lacks take their default.
 */
export function loadDesktopSettings(file: string): LoadedSettings {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: { ...DEFAULT_DESKTOP_SETTINGS } }
    return {
      settings: { ...DEFAULT_DESKTOP_SETTINGS },
      problem: { code: 'unreadable', message: (error as Error).message },
    }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {
      settings: { ...DEFAULT_DESKTOP_SETTINGS },
      problem: { code: 'invalid-json', message: (error as Error).message },
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      settings: { ...DEFAULT_DESKTOP_SETTINGS },
      problem: { code: 'invalid', message: 'the file does not hold an object' },
    }
  }
  const parsed = parseDesktopSettings({ ...DEFAULT_DESKTOP_SETTINGS, ...json })
  if (!parsed.ok)
    return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: { code: 'invalid', message: parsed.message } }
  return { settings: parsed.settings }
}

/**
 * Validates and writes the settings. Written to a temporary file and renamed over the old
 * one, so a crash mid-write never leaves a truncated file behind.
 * @throws TypeError naming the bad field when `settings` is invalid
 */
export function saveDesktopSettings(file: string, settings: unknown): DesktopSettings {
  const parsed = parseDesktopSettings(settings)
  if (!parsed.ok) throw new TypeError(parsed.message)
  mkdirSync(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(parsed.settings, null, 2) + '\n')
  renameSync(temporary, file)
  return parsed.settings
}

/** Whether two settings would run the same manager (nothing to restart). */
export function sameSettings(a: DesktopSettings, b: DesktopSettings): boolean {
  return a.host === b.host && a.port === b.port && a.queueSize === b.queueSize
}
