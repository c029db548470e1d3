import { describe, expect, it } from 'vitest'
import { decideNavigation, decideWindowOpen, isTrustedSender, originOf } from '../../../electron/sender-check.js'

const origin = 'http://127.0.0.1:8000'

describe('isTrustedSender', () => {
  it('trusts the dashboard frame, whatever its path and query', () => {
    expect(isTrustedSender('http://127.0.0.1:8000/?token=abc', origin)).toBe(true)
    expect(isTrustedSender('http://127.0.0.1:8000/nodes#x', origin)).toBe(true)
  })

  it.each([
    'http://127.0.0.1:8001/',
    'https://127.0.0.1:8000/',
    'http://localhost:8000/',
    'http://127.0.0.1.evil.example:8000/',
    'http://evil.example/?u=http://127.0.0.1:8000/',
    'file:///tmp/index.html',
    'data:text/html,<script>1</script>',
    'about:blank',
    'not a url',
    '',
  ])('refuses %j', (url) => {
    expect(isTrustedSender(url, origin)).toBe(false)
  })

  it('refuses a destroyed frame and a stopped manager', () => {
    expect(isTrustedSender(undefined, origin)).toBe(false)
    expect(isTrustedSender(null, origin)).toBe(false)
    expect(isTrustedSender('http://127.0.0.1:8000/', undefined)).toBe(false)
  })
})

describe('originOf', () => {
  it('gives scheme, host and port', () => {
    expect(originOf('http://127.0.0.1:8000/?token=t')).toBe(origin)
    expect(originOf('http://[::1]:9000/')).toBe('http://[::1]:9000')
  })

  it('has none for opaque or broken URLs', () => {
    expect(originOf('data:text/plain,x')).toBeUndefined()
    expect(originOf('::')).toBeUndefined()
  })
})

describe('navigation rules', () => {
  it('allows the dashboard origin in the window', () => {
    expect(decideNavigation('http://127.0.0.1:8000/?token=x', origin)).toBe('allow')
  })

  it('sends other web pages to the system browser', () => {
    expect(decideNavigation('https://github.com/', origin)).toBe('open-externally')
    expect(decideNavigation('http://127.0.0.1:9999/', origin)).toBe('open-externally')
  })

  it('refuses other schemes outright', () => {
    expect(decideNavigation('file:///etc/passwd', origin)).toBe('deny')
    expect(decideNavigation('javascript:alert(1)', origin)).toBe('deny')
    expect(decideNavigation('smb://host/share', origin)).toBe('deny')
  })

  it('never opens a popup inside the app', () => {
    expect(decideWindowOpen('http://127.0.0.1:8000/?token=x')).toBe('open-externally')
    expect(decideWindowOpen('https://example.com/')).toBe('open-externally')
    expect(decideWindowOpen('file:///etc/passwd')).toBe('deny')
    expect(decideWindowOpen('about:blank')).toBe('deny')
  })
})
