import { describe, expect, it } from 'vitest'
import {
  resolveStartToken,
  takeTokenFromUrl,
  TOKEN_STORAGE_KEY,
  TokenKeeper,
  type KeyValueStorage,
} from '../../../renderer/src/lib/token.js'

class MemoryStorage implements KeyValueStorage {
  readonly values = new Map<string, string>()
  getItem(key: string) {
    return this.values.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.values.set(key, value)
  }
  removeItem(key: string) {
    this.values.delete(key)
  }
}

class BrokenStorage implements KeyValueStorage {
  getItem(): string | null {
    throw new Error('SecurityError')
  }
  setItem(): void {
    throw new Error('QuotaExceededError')
  }
  removeItem(): void {
    throw new Error('SecurityError')
  }
}

describe('takeTokenFromUrl', () => {
  it('takes the token and strips it, keeping the other parameters and the hash', () => {
    expect(takeTokenFromUrl('http://10.0.0.1:8000/?view=nodes&token=s3cret#events')).toEqual({
      token: 's3cret',
      cleanUrl: 'http://10.0.0.1:8000/?view=nodes#events',
    })
  })

  it('decodes an encoded token', () => {
    expect(takeTokenFromUrl('http://h/?token=a%2Bb%2Fc%3D').token).toBe('a+b/c=')
  })

  it('has nothing to strip when there is no token', () => {
    expect(takeTokenFromUrl('http://h:8000/')).toEqual({ token: null, cleanUrl: null })
  })

  it('strips an empty token but reports none', () => {
    expect(takeTokenFromUrl('http://h:8000/?token=')).toEqual({ token: null, cleanUrl: 'http://h:8000/' })
  })
})

describe('TokenKeeper', () => {
  it('keeps the token for the tab only, unless asked to remember it', () => {
    const session = new MemoryStorage()
    const local = new MemoryStorage()
    const keeper = new TokenKeeper(session, local)
    keeper.save('tab-token')
    expect(session.getItem(TOKEN_STORAGE_KEY)).toBe('tab-token')
    expect(local.getItem(TOKEN_STORAGE_KEY)).toBeNull()
    keeper.save('kept-token', true)
    expect(local.getItem(TOKEN_STORAGE_KEY)).toBe('kept-token')
    expect(new TokenKeeper(new MemoryStorage(), local).load()).toBe('kept-token')
  })

  it('forgets the token everywhere (a refused token must not come back)', () => {
    const session = new MemoryStorage()
    const local = new MemoryStorage()
    const keeper = new TokenKeeper(session, local)
    keeper.save('bad', true)
    keeper.forget()
    expect(keeper.load()).toBeNull()
    expect(session.values.size + local.values.size).toBe(0)
  })

  it('works without usable storage', () => {
    const keeper = new TokenKeeper(new BrokenStorage(), null)
    expect(() => keeper.save('t', true)).not.toThrow()
    expect(keeper.load()).toBeNull()
    expect(() => keeper.forget()).not.toThrow()
  })
})

describe('resolveStartToken', () => {
  it('prefers the URL token over a kept one, and keeps it', () => {
    const session = new MemoryStorage()
    const keeper = new TokenKeeper(session, null)
    keeper.save('old')
    const start = resolveStartToken('http://h/?token=new', keeper)
    expect(start).toEqual({ token: 'new', cleanUrl: 'http://h/' })
    expect(session.getItem(TOKEN_STORAGE_KEY)).toBe('new')
  })

  it('falls back to the kept token when the URL has none', () => {
    const keeper = new TokenKeeper(new MemoryStorage(), null)
    keeper.save('kept')
    expect(resolveStartToken('http://h/', keeper)).toEqual({ token: 'kept', cleanUrl: null })
  })

  it('has no token at all on a first visit without one', () => {
    expect(resolveStartToken('http://h/', new TokenKeeper(new MemoryStorage(), new MemoryStorage())).token).toBeNull()
  })
})
