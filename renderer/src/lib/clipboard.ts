/**
 * Copies text for the operator. `navigator.clipboard` only exists in secure contexts, and a
 * dashboard opened as http://192.168.1.5:8000 is not one, so an old-style copy of a selected,
 * off-screen textarea is the fallback.
 * @returns true when the text reached the clipboard.
 */
export async function copyText(text: string): Promise<boolean> {
  if (typeof navigator !== 'undefined' && navigator.clipboard !== undefined && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // permission refused: try the fallback
    }
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.top = '-1000px'
  area.style.opacity = '0'
  document.body.append(area)
  area.select()
  let copied = false
  try {
    // Deprecated but still the only way outside a secure context.
    copied = document.execCommand('copy')
  } catch {
    copied = false
  }
  area.remove()
  return copied
}
