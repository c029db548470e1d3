/**
 * The flags every command shares for secrets and trust: `--token` / `--token-file` (the shared
 * secret) and `--fingerprint` / `--ca` / `--tls` (how to trust the manager).
 */
import { readFileSync } from 'node:fs'
import { InvalidArgumentError, Option, type Command } from 'commander'
import { parseFingerprint, readTokenFrom, type TlsTrustOptions } from '../protocol/index.js'

/** Adds `--token T` (also ARGON_TOKEN) and `--token-file PATH`. */
export function addTokenOptions(command: Command, fallback: string): Command {
  return command
    .addOption(
      new Option(
        '--token <token>',
        `shared secret (visible to other local users in ps: prefer --token-file or ARGON_TOKEN) (default: $ARGON_TOKEN, else ${fallback})`,
      ).env('ARGON_TOKEN'),
    )
    .option('--token-file <path>', 'read the shared secret from this file (its first line)')
}

/**
 * The token the flags give: `--token`, else `--token-file`, else `ARGON_TOKEN`. Undefined when none
 * is given (the caller falls back to the local token file). Throws when the file cannot be read.
 */
export function tokenFromFlags(command: Command): string | undefined {
  const flags = command.opts<{ token?: string; tokenFile?: string }>()
  const fromCommandLine = command.getOptionValueSource('token') === 'cli'
  if (fromCommandLine && flags.tokenFile !== undefined) throw new Error('give --token or --token-file, not both')
  if (fromCommandLine) return flags.token
  if (flags.tokenFile !== undefined) return readTokenFrom(flags.tokenFile)
  return flags.token && flags.token.length > 0 ? flags.token : undefined
}

/** A `--fingerprint` value, checked. */
export function fingerprint(value: string): string {
  try {
    return parseFingerprint(value)
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
}

/** Adds `--fingerprint sha256:…`, `--ca FILE` and `--tls` / `--no-tls` (how to trust the manager). */
export function addTrustOptions(command: Command): Command {
  return command
    .option(
      '--fingerprint <sha256>',
      "pin the manager's TLS certificate by the fingerprint it printed (sha256:…); implies TLS",
      fingerprint,
    )
    .option('--ca <file>', "verify the manager's TLS certificate against this CA certificate (PEM); implies TLS")
    .option(
      '--tls',
      "use TLS, verified by the system's CAs (default: TLS when --fingerprint or --ca is given, or when a manager on this machine serves TLS on that port)",
    )
    .option('--no-tls', 'connect without TLS')
}

/** The trust the flags describe. Throws when the CA file cannot be read. */
export function trustFromFlags(flags: { fingerprint?: string; ca?: string; tls?: boolean }): TlsTrustOptions {
  let ca: Buffer | undefined
  if (flags.ca !== undefined) {
    try {
      ca = readFileSync(flags.ca)
    } catch (error) {
      throw new Error(
        `cannot read the CA file ${flags.ca}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      )
    }
  }
  if (flags.tls === false && (flags.fingerprint !== undefined || ca !== undefined))
    throw new Error('--no-tls cannot go with --fingerprint or --ca')
  return { tls: flags.tls, fingerprint: flags.fingerprint, ca }
}
