// Plain JavaScript (an .mjs file, or .js in a package with "type": "module"): run with node.
import { Client } from 'argon-cluster'

const client = new Client()
try {
  const words = ['argon', 'cluster', 'task']
  const lengths = await client.map(
    (word) => word.length,
    words.map((word) => [word]),
  )
  console.log('lengths:', lengths) // [ 5, 7, 4 ]

  // Modules load inside the function, on the worker.
  const host = await client.process(async () => (await import('node:os')).hostname(), [])
  console.log('ran on:', host)
} finally {
  await client.close()
}
