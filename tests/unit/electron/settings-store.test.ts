import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DEFAULT_DESKTOP_SETTINGS,
  loadDesktopSettings,
  parseDesktopSettings,
  sameSettings,
  saveDesktopSettings,
  settingsFilePath,
} from '../../../electron/settings-store.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function userData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argon-settings-'))
  dirs.push(dir)
  return dir
}

describe('desktop settings', () => {
  it('defaults to every interface, port 8000 and an unbounded queue', () => {
    expect(DEFAULT_DESKTOP_SETTINGS).toEqual({ host: '0.0.0.0', port: 8000, queueSize: null })
  })

  it('gives the defaults and no problem on first start (no file)', () => {
    const loaded = loadDesktopSettings(settingsFilePath(userData()))
    expect(loaded).toEqual({ settings: DEFAULT_DESKTOP_SETTINGS })
  })

  it('remembers what was saved', () => {
    const file = settingsFilePath(userData())
    saveDesktopSettings(file, { host: '192.168.1.5', port: 9100, queueSize: 5000 })
    expect(loadDesktopSettings(file)).toEqual({ settings: { host: '192.168.1.5', port: 9100, queueSize: 5000 } })
  })

  it('creates the userData folder when it does not exist yet', () => {
    const file = join(userData(), 'nested', 'deeper', 'settings.json')
    saveDesktopSettings(file, DEFAULT_DESKTOP_SETTINGS)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(DEFAULT_DESKTOP_SETTINGS)
  })

  it('refuses to save invalid settings and leaves the file as it was', () => {
    const file = settingsFilePath(userData())
    saveDesktopSettings(file, { host: 'localhost', port: 8001, queueSize: null })
    expect(() => saveDesktopSettings(file, { host: 'localhost', port: 70000, queueSize: null })).toThrow(TypeError)
    expect(loadDesktopSettings(file).settings.port).toBe(8001)
  })

  it('falls back to the defaults with an invalid-json problem for a truncated file', () => {
    const file = settingsFilePath(userData())
    writeFileSync(file, '{"host": "0.0.0.0", "po')
    const loaded = loadDesktopSettings(file)
    expect(loaded.settings).toEqual(DEFAULT_DESKTOP_SETTINGS)
    expect(loaded.problem?.code).toBe('invalid-json')
  })

  it('falls back to the defaults with an invalid problem for out-of-range values', () => {
    const file = settingsFilePath(userData())
    writeFileSync(file, JSON.stringify({ host: '0.0.0.0', port: -1, queueSize: null }))
    const loaded = loadDesktopSettings(file)
    expect(loaded.settings).toEqual(DEFAULT_DESKTOP_SETTINGS)
    expect(loaded.problem?.code).toBe('invalid')
  })

  it('treats a non-object JSON file as invalid', () => {
    const file = settingsFilePath(userData())
    writeFileSync(file, '[8000]')
    expect(loadDesktopSettings(file).problem?.code).toBe('invalid')
  })

  it('reports an unreadable path (a folder) without throwing', () => {
    const file = settingsFilePath(userData())
    mkdirSync(file)
    const loaded = loadDesktopSettings(file)
    expect(loaded.settings).toEqual(DEFAULT_DESKTOP_SETTINGS)
    expect(loaded.problem?.code).toBe('unreadable')
  })

  it('fills fields an older file lacks and drops fields it does not know', () => {
    const file = settingsFilePath(userData())
    writeFileSync(file, JSON.stringify({ port: 8100, theme: 'dark' }))
    expect(loadDesktopSettings(file)).toEqual({ settings: { host: '0.0.0.0', port: 8100, queueSize: null } })
  })

  it.each([
    [{ host: '0.0.0.0', port: 0, queueSize: null }, 'port'],
    [{ host: '0.0.0.0', port: 8000.5, queueSize: null }, 'port'],
    [{ host: '0.0.0.0', port: '8000', queueSize: null }, 'port'],
    [{ host: 'not a host', port: 8000, queueSize: null }, 'host'],
    [{ host: '', port: 8000, queueSize: null }, 'host'],
    [{ host: '0.0.0.0', port: 8000, queueSize: -5 }, 'queueSize'],
    [{ host: '0.0.0.0', port: 8000 }, 'queueSize'],
  ])('rejects %j naming the field', (input, field) => {
    const parsed = parseDesktopSettings(input)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.message.startsWith(`${field}:`)).toBe(true)
  })

  it.each([
    { host: '::', port: 1, queueSize: 0 },
    { host: 'mgr.lan', port: 65535, queueSize: 100 },
    { host: '10.0.0.7', port: 8000, queueSize: null },
  ])('accepts %j', (input) => {
    expect(parseDesktopSettings(input)).toEqual({ ok: true, settings: input })
  })

  it('compares settings by value', () => {
    expect(sameSettings({ ...DEFAULT_DESKTOP_SETTINGS }, { host: '0.0.0.0', port: 8000, queueSize: null })).toBe(true)
    expect(sameSettings(DEFAULT_DESKTOP_SETTINGS, { ...DEFAULT_DESKTOP_SETTINGS, queueSize: 10 })).toBe(false)
  })
})
