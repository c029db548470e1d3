/**
 * The Content-Security-Policy the desktop window enforces on the dashboard, on top of the
 * one the manager already sends. Two policies are both enforced by the browser, so the
 * manager's header can only be tightened here, never loosened. Pure: no 'electron' import.
 */

/**
 * The policy for a dashboard served from `origin` (`http://127.0.0.1:8000`): code and data
 * only from the manager itself, the control socket on the same host and port, no plugins,
 * frames or base-URL tricks. Inline styles stay allowed because Svelte and uPlot set
 * style attributes at run time; inline scripts do not.
 */
export function dashboardCsp(origin: string): string {
  const socketOrigin = origin.replace(/^http/, 'ws')
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${socketOrigin}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/**
 * Response headers with `csp` added to any Content-Security-Policy the server sent (kept,
 * so both apply). Header names are matched case-insensitively, as HTTP requires.
 */
export function withCsp(headers: Record<string, string[]> | undefined, csp: string): Record<string, string[]> {
  const result: Record<string, string[]> = {}
  let existing: string[] = []
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') existing = existing.concat(values)
    else result[name] = values
  }
  result['Content-Security-Policy'] = existing.includes(csp) ? existing : [...existing, csp]
  return result
}
