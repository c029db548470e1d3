import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Runs full garbage collections until every WeakRef's target is gone, or `rounds` ran; returns how many remain. */
export async function collectGarbage(refs: readonly WeakRef<object>[], rounds = 10): Promise<number> {
  for (let i = 0; i < rounds; i++) {
    // A target deref()'d in a job stays alive until the job ends: collect in a job of its own.
    await new Promise((resolve) => setImmediate(resolve))
    gc()
    await new Promise((resolve) => setImmediate(resolve))
    if (refs.every((ref) => ref.deref() === undefined)) return 0
  }
  return refs.filter((ref) => ref.deref() !== undefined).length
}
