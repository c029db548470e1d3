// The seed's list form of run(), in JavaScript: a deferred and its isFinished.
import { connect, disconnect, run } from 'argon-cluster/simple'

connect()
const [deferred, isFinished] = run((a, b) => a * b, 5, 6)
console.log(isFinished(), await deferred(), isFinished()) // false 30 true
await disconnect()
