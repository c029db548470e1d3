/** A short message about an operator action that did not work (a refused drain, a timeout). */
export interface Notice {
  id: number
  text: string
  /** The manager's error code, when it gave one. */
  code?: string
}
