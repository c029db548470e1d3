import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PROTOCOL_VERSION, readOrCreateTokenFile, resolveToken } from '../../../protocol/index.js'
import { checkHandshake, tokensMatch } from '../../../manager/auth.js'

describe('auth', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokensMatch('secret', 'secret')).toBe(true)
    expect(tokensMatch('secret', 'secreT')).toBe(false)
    expect(tokensMatch('secret', 'a much longer guess')).toBe(false)
    expect(tokensMatch('secret', undefined)).toBe(false)
    expect(tokensMatch('secret', 42)).toBe(false)
  })

  it('refuses the wrong protocol before looking at the token, then a wrong token', () => {
    expect(
      (checkHandshake({ token: 'secret', protocol: PROTOCOL_VERSION + 1 }, 'secret')?.data as { code: string }).code,
    ).toBe('PROTOCOL_MISMATCH')
    expect(
      (checkHandshake({ token: 'nope', protocol: PROTOCOL_VERSION }, 'secret')?.data as { code: string }).code,
    ).toBe('UNAUTHORIZED')
    expect((checkHandshake(undefined, 'secret')?.data as { code: string }).code).toBe('PROTOCOL_MISMATCH')
    expect(checkHandshake({ token: 'secret', protocol: PROTOCOL_VERSION }, 'secret')).toBeNull()
  })

  it('creates the token file once (0600, 256 bits) and everyone local reads the same', () => {
    const home = mkdtempSync(join(tmpdir(), 'argon-token-'))
    try {
      const env = { ARGON_HOME: home }
      const token = readOrCreateTokenFile(env)
      expect(token.length).toBeGreaterThanOrEqual(43)
      expect(statSync(join(home, 'token')).mode & 0o777).toBe(0o600)
      expect(readOrCreateTokenFile(env)).toBe(token)
      expect(resolveToken(undefined, env)).toBe(token)
      expect(resolveToken(undefined, { ...env, ARGON_TOKEN: 'from-env' })).toBe('from-env')
      expect(resolveToken('explicit', { ...env, ARGON_TOKEN: 'from-env' })).toBe('explicit')
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})
