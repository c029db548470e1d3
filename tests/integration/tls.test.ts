/**
 * TLS between the manager and everyone else: agents, clients and commands pin the manager's
 * certificate (or verify it by CA), a wrong certificate or a plain connection fails at once with
 * TLS_MISMATCH, TLS is on by default beyond loopback, and a generated certificate is kept.
 */
import { readFileSync, statSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { describe, expect, it, vi } from 'vitest'
import {
  managerFlags,
  runArgon,
  startManager,
  startProcess,
  NODE_AGENT_BIN,
  tempHome,
  type StartedManager,
} from '../helpers/processes.js'
import { generateSelfSignedCertificate } from '../../manager/tls-certificate.js'
import { fingerprintOfPem } from '../../protocol/tls-files.js'
import { expectCode, openClient, waitForStatus } from './support.js'

const WRONG_FINGERPRINT = `sha256:${'0'.repeat(64)}`

/** The manager's `argon_data_links` gauge, read over HTTPS (its generated certificate is its own CA). */
function dataLinks(manager: StartedManager): Promise<number> {
  const ca = readFileSync(join(manager.home, 'tls', 'manager-cert.pem'))
  return new Promise((resolve, reject) => {
    const asked = httpsGet(
      `https://${manager.address}/metrics`,
      { ca, headers: { authorization: `Bearer ${manager.token}` } },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (text: string) => (body += text))
        response.on('end', () => resolve(Number(/^argon_data_links (\d+)$/m.exec(body)?.[1] ?? Number.NaN)))
      },
    )
    asked.on('error', reject)
  })
}

/** Starts `node-agent --join` with its own empty ARGON_HOME (a remote machine, as far as TLS goes). */
function startRemoteAgent(manager: StartedManager, name: string, args: string[], env: Record<string, string> = {}) {
  return startProcess(NODE_AGENT_BIN, ['--join', manager.address, '--name', name, '--workers', '1', ...args], {
    ARGON_HOME: tempHome(),
    ARGON_TOKEN: manager.token,
    ...env,
  })
}

describe('TLS', () => {
  it('joins an agent and serves a client that pin the right fingerprint', async () => {
    const manager = await startManager({ args: ['--tls'] })
    expect(manager.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/)

    const agent = startRemoteAgent(manager, 'pinned', ['--fingerprint', manager.fingerprint!])
    await agent.waitFor(/joined manager \S+ over TLS \(pinned sha256:[0-9a-f]{64}\)/)

    // A client with no local record (it reads the test runner's home) pins explicitly.
    const client = openClient(manager, { fingerprint: manager.fingerprint })
    await waitForStatus(client, (status) => expect(status.nodes.map((node) => node.name)).toEqual(['pinned']))
    await expect(client.process((a: number, b: number) => a + b, [4, 7])).resolves.toBe(11)

    // The same fingerprint in openssl's form (upper case, colons) is accepted as well.
    const colons = manager.fingerprint!.slice(7).toUpperCase().match(/../g)!.join(':')
    await expect(openClient(manager, { fingerprint: `SHA256:${colons}` }).process(() => 'ok', [])).resolves.toBe('ok')
    // The agent and both clients carry their packets on data links, opened with the same pinning.
    await vi.waitFor(async () => expect(await dataLinks(manager)).toBe(3), { timeout: 10_000, interval: 50 })

    // Commands pin the same way.
    const nodes = await runArgon(['nodes', ...managerFlags(manager, manager.fingerprint)])
    expect(nodes.code, nodes.output).toBe(0)
    expect(nodes.output).toMatch(/^pinned\s+active/m)
  })

  it('verifies the manager by CA: the generated certificate is its own CA', async () => {
    const manager = await startManager({ args: ['--tls'] })
    const caFile = join(manager.home, 'tls', 'manager-cert.pem')
    const agent = startRemoteAgent(manager, 'by-ca', ['--ca', caFile])
    await agent.waitFor(/joined manager \S+ over TLS \(given CA\)/)
    const client = openClient(manager, { ca: readFileSync(caFile) })
    await expect(client.process(() => 'by ca', [])).resolves.toBe('by ca')
    await vi.waitFor(async () => expect(await dataLinks(manager)).toBe(2), { timeout: 10_000, interval: 50 })
  })

  it('fails at once with TLS_MISMATCH on a wrong fingerprint or an untrusted certificate, and never sends the token', async () => {
    const manager = await startManager({ args: ['--tls'] })

    // The agent exits (not retried forever) and says what is wrong.
    const agent = startRemoteAgent(manager, 'wrong', ['--fingerprint', WRONG_FINGERPRINT])
    const exit = await agent.exited
    expect(exit.code).toBe(2)
    expect(agent.output()).toContain('TLS_MISMATCH')
    expect(agent.output()).toContain(manager.fingerprint)
    expect(agent.output()).not.toMatch(/joined manager/)

    // The client fails its calls with TLS_MISMATCH long before its 30 s connect timeout.
    const client = openClient(manager, { fingerprint: WRONG_FINGERPRINT, connectTimeout: 30_000 })
    const error = await expectCode(
      client.process(() => 1, []),
      'TLS_MISMATCH',
    )
    expect(error.retryable).toBe(false)
    await expectCode(client.status(), 'TLS_MISMATCH')

    // TLS with the system's CAs does not trust a self-signed certificate: TLS_MISMATCH too.
    await expectCode(
      openClient(manager, { tls: true, connectTimeout: 30_000 }).process(() => 1, []),
      'TLS_MISMATCH',
    )

    const nodes = await runArgon(['nodes', ...managerFlags(manager, WRONG_FINGERPRINT)])
    expect(nodes.code).toBe(4)
    expect(nodes.output).toContain('TLS_MISMATCH')

    // The agent never got as far as the Socket.IO handshake.
    expect(manager.output()).not.toMatch(/node connected/)
  })

  it('sends nothing, token included, to a server whose certificate is not the pinned one', async () => {
    // An impostor: a TLS server with its own certificate that records every byte it is sent.
    const impostor = await generateSelfSignedCertificate({ dns: ['localhost'], ips: ['127.0.0.1'] })
    let received = ''
    const server = createTlsServer({ cert: impostor.cert, key: impostor.key }, (socket) => {
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
      socket.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`
    const secret = 'impostor-must-not-see-0123456789'
    try {
      const pinnedElsewhere = startProcess(
        NODE_AGENT_BIN,
        ['--join', address, '--fingerprint', WRONG_FINGERPRINT, '--name', 'careful', '--workers', '1'],
        { ARGON_HOME: tempHome(), ARGON_TOKEN: secret },
      )
      expect((await pinnedElsewhere.exited).code).toBe(2)
      expect(pinnedElsewhere.output()).toContain('TLS_MISMATCH')
      expect(received).toBe('')

      // The control: pinned to the impostor's own certificate, the agent does send its request
      // (and the token in it), so the empty record above is not an accident of the recorder.
      const trusting = startProcess(
        NODE_AGENT_BIN,
        ['--join', address, '--fingerprint', fingerprintOfPem(impostor.cert), '--name', 'trusting', '--workers', '1'],
        { ARGON_HOME: tempHome(), ARGON_TOKEN: secret },
      )
      await vi.waitFor(() => expect(received).toContain(secret), { timeout: 15_000, interval: 50 })
      trusting.kill('SIGKILL')
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('answers a plain connection to a TLS manager with a clear TLS_MISMATCH saying what to do', async () => {
    const manager = await startManager({ args: ['--tls'] })

    const client = openClient(manager, { tls: false, connectTimeout: 30_000 })
    const error = await expectCode(
      client.process(() => 1, []),
      'TLS_MISMATCH',
    )
    expect(error.message).toMatch(/only accepts TLS.*--fingerprint/)

    const agent = startRemoteAgent(manager, 'plain', [])
    expect((await agent.exited).code).toBe(2)
    expect(agent.output()).toMatch(/TLS_MISMATCH: the manager at \S+ only accepts TLS/)

    const nodes = await runArgon(['nodes', ...managerFlags(manager)])
    expect(nodes.code).toBe(4)
    expect(nodes.output).toMatch(/TLS_MISMATCH.*only accepts TLS/)

    // A browser or curl on http:// gets a plain answer too; /health (open, no secret) stays
    // reachable for container and load-balancer probes.
    const response = await fetch(`http://127.0.0.1:${manager.port}/?token=${manager.token}`)
    expect(response.status).toBe(497)
    expect(((await response.json()) as { code: string }).code).toBe('TLS_MISMATCH')
    expect((await fetch(`http://127.0.0.1:${manager.port}/metrics`)).status).toBe(497)
    expect((await fetch(`http://127.0.0.1:${manager.port}/health`)).status).toBe(200)
  })

  it('fails with TLS_MISMATCH when TLS is asked of a manager that does not serve it', async () => {
    const manager = await startManager()
    expect(manager.fingerprint).toBeUndefined()
    const error = await expectCode(
      openClient(manager, { fingerprint: WRONG_FINGERPRINT, connectTimeout: 30_000 }).process(() => 1, []),
      'TLS_MISMATCH',
    )
    expect(error.message).toMatch(/does not speak TLS/)
  })

  it('is on by default beyond loopback (local programs find it through ARGON_HOME) and off on loopback', async () => {
    const wide = await startManager({ args: ['--host', '0.0.0.0'] })
    expect(wide.fingerprint).toMatch(/^sha256:/)
    expect(wide.output()).toMatch(/listening on https:\/\/0\.0\.0\.0:\d+/)
    await wide.waitFor(/Dashboard: https:\/\/127\.0\.0\.1:\d+\/\?token=/)

    // On the manager's machine (same ARGON_HOME) nothing about TLS needs typing.
    const local = startProcess(NODE_AGENT_BIN, ['--join', wide.address, '--name', 'local', '--workers', '1'], {
      ARGON_HOME: wide.home,
      ARGON_TOKEN: wide.token,
    })
    await local.waitFor(new RegExp(`joined manager \\S+ over TLS \\(pinned ${wide.fingerprint}\\)`))
    const nodes = await runArgon(['nodes', '--manager', wide.address], {
      env: { ARGON_HOME: wide.home, ARGON_TOKEN: wide.token },
    })
    expect(nodes.code, nodes.output).toBe(0)
    expect(nodes.output).toMatch(/^local\s+active/m)

    const loopback = await startManager()
    expect(loopback.fingerprint).toBeUndefined()
    expect(loopback.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:/)
    expect((await fetch(`http://127.0.0.1:${loopback.port}/health`)).status).toBe(200)
    const plainNodes = await runArgon(['nodes', '--manager', loopback.address], {
      env: { ARGON_HOME: loopback.home, ARGON_TOKEN: loopback.token },
    })
    expect(plainNodes.code, plainNodes.output).toBe(0)

    // --no-tls beyond loopback works, with a warning.
    const open = await startManager({ args: ['--host', '0.0.0.0', '--no-tls'] })
    expect(open.fingerprint).toBeUndefined()
    await open.waitFor(/TLS is off/)
    expect((await fetch(`http://127.0.0.1:${open.port}/health`)).status).toBe(200)
  })

  it('keeps a generated certificate across restarts (same fingerprint, key readable by the owner only)', async () => {
    const home = tempHome()
    const first = await startManager({ home, args: ['--tls'] })
    await first.waitFor(/generated a self-signed TLS certificate/)
    first.kill('SIGTERM')
    await first.exited

    const second = await startManager({ home, args: ['--tls'] })
    expect(second.fingerprint).toBe(first.fingerprint)
    expect(second.output()).not.toMatch(/generated a self-signed/)
    expect(statSync(join(home, 'tls', 'manager-key.pem')).mode & 0o077).toBe(0)

    // An agent pinned to the first run's fingerprint joins the second run.
    const agent = startRemoteAgent(second, 'returning', ['--fingerprint', first.fingerprint!])
    await agent.waitFor(/joined manager/)
  })

  it('serves a certificate the operator gives (--tls-cert/--tls-key)', async () => {
    const source = await startManager({ args: ['--tls'] })
    const cert = join(source.home, 'tls', 'manager-cert.pem')
    const key = join(source.home, 'tls', 'manager-key.pem')
    const given = await startManager({ args: ['--tls-cert', cert, '--tls-key', key] })
    expect(given.fingerprint).toBe(source.fingerprint)
    expect(given.output()).not.toMatch(/generated a self-signed/)
    const status = await openClient(given, { ca: readFileSync(cert) }).status()
    expect(status.nodes).toEqual([])
  })
})
