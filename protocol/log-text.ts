/**
 * Text that came from outside (ids, event names, error messages) is cut before it is logged or
 * echoed back, so one hostile frame cannot turn into a megabyte log line.
 */
export const LOG_TEXT_CHARS = 200

/** `text` cut to `max` characters, with a marker saying how much was left out. */
export function cutText(text: string, max = LOG_TEXT_CHARS): string {
  if (text.length <= max) return text
  return `${text.slice(0, max)}… [${text.length - max} more characters cut]`
}

/** Any value as short loggable text (a string is cut; anything else is described by its type). */
export function describeForLog(value: unknown, max = LOG_TEXT_CHARS): string {
  if (typeof value === 'string') return cutText(value, max)
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  return `a value of type ${typeof value}`
}
