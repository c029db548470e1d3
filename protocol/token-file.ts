/**
 * The shared-secret token file. The manager creates it on first start; local agents, clients and
 * CLI commands read the same file, so on one machine nobody needs to type a token.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/** `$ARGON_HOME` or `~/.config/argon`. */
export function argonHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ARGON_HOME && env.ARGON_HOME.length > 0 ? env.ARGON_HOME : join(homedir(), '.config', 'argon')
}

export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(argonHome(env), 'token')
}

/** The token from the file, or undefined when there is no readable, non-empty file. */
export function readTokenFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const token = readFileSync(tokenFilePath(env), 'utf8').trim()
    return token.length > 0 ? token : undefined
  } catch {
    return undefined
  }
}

/** Reads the token file, creating it (256 random bits, mode 0600) when absent. */
export function readOrCreateTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  const existing = readTokenFile(env)
  if (existing) return existing
  const path = tokenFilePath(env)
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const token = randomBytes(32).toString('base64url')
  writeFileSync(path, token + '\n', { mode: 0o600, flag: 'w' })
  chmodSync(path, 0o600)
  return token
}

/**
 * The token a local program should use: the explicit one, else `ARGON_TOKEN`, else the token file.
 * Returns undefined when none is found.
 */
export function resolveToken(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit && explicit.length > 0) return explicit
  if (env.ARGON_TOKEN && env.ARGON_TOKEN.length > 0) return env.ARGON_TOKEN
  return readTokenFile(env)
}

/**
 * Reads a token from a file the operator named (`--token-file PATH`): its first line, trimmed.
 * Throws an Error naming the file when it cannot be read or holds no token.
 */
export function readTokenFrom(path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(
      `cannot read the token file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    )
  }
  const token = (text.split(/\r?\n/, 1)[0] ?? '').trim()
  if (token.length === 0) throw new Error(`the token file ${path} is empty`)
  return token
}
