import { describe, expect, it } from 'vitest'
import { parseSessionOverrides } from '../../../electron/session-overrides.js'

describe('parseSessionOverrides', () => {
  it('reads --host, --port and --queue-size from `npm start -- …`', () => {
    expect(parseSessionOverrides(['/app', '--port', '0', '--host', '127.0.0.1', '--queue-size', '500'])).toEqual({
      settings: { port: 0, host: '127.0.0.1', queueSize: 500 },
      problems: [],
    })
  })

  it('accepts --flag=value and "none" for an unbounded queue', () => {
    expect(parseSessionOverrides(['--port=9000', '--queue-size=none']).settings).toEqual({
      port: 9000,
      queueSize: null,
    })
  })

  it('ignores Chromium switches and positionals', () => {
    expect(parseSessionOverrides(['.', '--no-sandbox', '--enable-logging', '--inspect=9229'])).toEqual({
      settings: {},
      problems: [],
    })
  })

  it('reports unusable values instead of applying them', () => {
    const result = parseSessionOverrides(['--port', '99999', '--host', 'a b', '--queue-size', '-1'])
    expect(result.settings).toEqual({})
    expect(result.problems).toHaveLength(3)
  })
})
