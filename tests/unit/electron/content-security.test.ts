import { describe, expect, it } from 'vitest'
import { dashboardCsp, withCsp } from '../../../electron/content-security.js'

describe('dashboard CSP', () => {
  const csp = dashboardCsp('http://127.0.0.1:8000')
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const))

  it('allows scripts only from the manager, never inline or eval', () => {
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
  })

  it('lets the control socket reach this manager only', () => {
    expect(directives.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:8000'])
  })

  it('adds the policy next to the one the manager sent, matching the header name case-insensitively', () => {
    const headers = withCsp({ 'content-security-policy': ["default-src 'self'"], 'Content-Type': ['text/html'] }, csp)
    expect(headers['Content-Security-Policy']).toEqual(["default-src 'self'", csp])
    expect(headers['content-security-policy']).toBeUndefined()
    expect(headers['Content-Type']).toEqual(['text/html'])
  })

  it('sets the policy when the response had none, and does not add it twice', () => {
    expect(withCsp(undefined, csp)).toEqual({ 'Content-Security-Policy': [csp] })
    expect(withCsp({ 'Content-Security-Policy': [csp] }, csp)).toEqual({ 'Content-Security-Policy': [csp] })
  })
})
