import { connect, disconnect, run } from 'argon-cluster/simple'

connect() // $ARGON_MANAGER, else 127.0.0.1:8000; or connect('10.0.0.5:8000', { token })
const result = run((a: number, b: number) => a * b, 4, 7) // a deferred: it runs now
console.log(result.isFinished(), await result(), result.isFinished()) // false 28 true

await disconnect() // without it the connection keeps the program running
