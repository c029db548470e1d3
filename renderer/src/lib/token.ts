/**
 * Where the dashboard's access token comes from and where it is kept.
 *
 * The manager prints a dashboard URL with `?token=…`. The token is taken from the address bar
 * once, kept in storage and stripped from the URL, so it does not stay in the history, in
 * bookmarks or in screenshots.
 */

/** Storage key of the token. */
export const TOKEN_STORAGE_KEY = 'argon.token'

/** The part of the Web Storage API the dashboard uses (sessionStorage / localStorage). */
export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/**
 * Reads `?token=` from a URL.
 * @returns the token (null when absent or empty) and the same URL without it, or `cleanUrl`
 * null when there was nothing to strip.
 * @example
 * takeTokenFromUrl('http://h:8000/?token=abc#x') // { token: 'abc', cleanUrl: 'http://h:8000/#x' }
 */
export function takeTokenFromUrl(href: string): { token: string | null; cleanUrl: string | null } {
  const url = new URL(href)
  if (!url.searchParams.has('token')) return { token: null, cleanUrl: null }
  const token = url.searchParams.get('token')?.trim() ?? ''
  url.searchParams.delete('token')
  return { token: token === '' ? null : token, cleanUrl: url.toString() }
}

/**
 * Keeps the token for this tab (sessionStorage), or across restarts of the browser
 * (localStorage) when the operator asks to be remembered.
 */
export class TokenKeeper {
  readonly #session: KeyValueStorage | null
  readonly #local: KeyValueStorage | null

  constructor(session: KeyValueStorage | null, local: KeyValueStorage | null = null) {
    this.#session = session
    this.#local = local
  }

  /** The kept token; the tab's own one wins over a remembered one. */
  load(): string | null {
    return read(this.#session) ?? read(this.#local)
  }

  /** Keeps `token` for this tab, and also in localStorage when `remember` is true. */
  save(token: string, remember = false): void {
    write(this.#session, token)
    if (remember) write(this.#local, token)
    else remove(this.#local)
  }

  /** Forgets the token everywhere (refused by the manager, or signed out). */
  forget(): void {
    remove(this.#session)
    remove(this.#local)
  }
}

/**
 * The token to start with: the one in the URL (saved, then stripped from the address bar by the
 * caller with `cleanUrl`) or else the kept one.
 */
export function resolveStartToken(
  href: string,
  keeper: TokenKeeper,
): { token: string | null; cleanUrl: string | null } {
  const fromUrl = takeTokenFromUrl(href)
  if (fromUrl.token !== null) {
    keeper.save(fromUrl.token)
    return fromUrl
  }
  return { token: keeper.load(), cleanUrl: fromUrl.cleanUrl }
}

// Storage can throw (disabled cookies, private modes, quota): the dashboard then just asks again.
function read(storage: KeyValueStorage | null): string | null {
  try {
    const value = storage?.getItem(TOKEN_STORAGE_KEY) ?? null
    return value === null || value === '' ? null : value
  } catch {
    return null
  }
}

function write(storage: KeyValueStorage | null, token: string): void {
  try {
    storage?.setItem(TOKEN_STORAGE_KEY, token)
  } catch {
    // kept in memory only
  }
}

function remove(storage: KeyValueStorage | null): void {
  try {
    storage?.removeItem(TOKEN_STORAGE_KEY)
  } catch {
    // nothing kept
  }
}
