/**
 * The deployment files in deploy/, checked as far as a machine without docker or a cluster can:
 * the Kubernetes manifests against the Kubernetes API schemas (kubernetes-models), the container
 * files with the Dockerfile linter of the Docker language server (dockerfile-utils) plus the
 * directives they must have, and the systemd units with `systemd-analyze verify` where it exists.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DockerfileParser } from 'dockerfile-ast'
import { validate as lintDockerfile } from 'dockerfile-utils'
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1'
import { Service } from 'kubernetes-models/v1'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../helpers/processes.js'

const DEPLOY = join(ROOT, 'deploy')

/** The model class (with its API schema) for each kind the manifests may hold. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'apps/v1 DaemonSet': DaemonSet,
  'v1 Service': Service,
}

interface Manifest {
  file: string
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: Record<string, unknown>
}

function manifests(): Manifest[] {
  const all: Manifest[] = []
  for (const file of readdirSync(join(DEPLOY, 'kubernetes')).filter((name) => name.endsWith('.yaml'))) {
    for (const document of parseAllDocuments(readFileSync(join(DEPLOY, 'kubernetes', file), 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`)
      all.push({ file, ...(document.toJS() as Omit<Manifest, 'file'>) })
    }
  }
  return all
}

function schemaErrors(manifest: object & { apiVersion: string; kind: string }): string | null {
  const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`]
  if (!Model) return `no schema for ${manifest.apiVersion} ${manifest.kind}`
  try {
    new Model(manifest as never).validate()
    return null
  } catch (error) {
    // The validator's error lists each problem with its path in `errors`.
    const problems = (error as { errors?: { instancePath?: string; message?: string }[] }).errors
    return problems
      ? problems.map((problem) => `${problem.instancePath ?? ''} ${problem.message ?? ''}`).join('; ')
      : String(error)
  }
}

interface PodSpec {
  containers: {
    name: string
    args?: string[]
    env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]
    volumeMounts?: { name: string; mountPath: string }[]
  }[]
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[]
  terminationGracePeriodSeconds?: number
}
const podSpec = (manifest: Manifest) => (manifest.spec.template as { spec: PodSpec }).spec

describe('Kubernetes manifests', () => {
  const all = manifests()
  const find = (kind: string, name: string) =>
    all.find((manifest) => manifest.kind === kind && manifest.metadata.name === name)

  it('every object is valid against its Kubernetes API schema', () => {
    expect(all.map((manifest) => `${manifest.file}: ${manifest.kind}/${manifest.metadata.name}`).sort()).toEqual([
      'manager.yaml: Deployment/argon-manager',
      'manager.yaml: Service/argon-manager',
      'node-agent.yaml: DaemonSet/argon-node-agent',
    ])
    for (const manifest of all) {
      const { file, ...object } = manifest
      expect({ file, kind: manifest.kind, errors: schemaErrors(object) }).toEqual({
        file,
        kind: manifest.kind,
        errors: null,
      })
    }
  })

  it('the schema check catches a missing required field and a wrong type (so it can fail)', () => {
    // (The API schemas allow unknown fields, as the API server's own validation does not reject
    // them either; a misspelt optional field is not caught here.)
    const { file: _file, ...deployment } = find('Deployment', 'argon-manager')!
    const missing = structuredClone(deployment) as unknown as { spec: { selector?: unknown } } & Manifest
    delete missing.spec.selector
    expect(schemaErrors(missing)).toMatch(/selector/)
    const wrongType = structuredClone(deployment) as unknown as { spec: { replicas: unknown } } & Manifest
    wrongType.spec.replicas = 'one'
    expect(schemaErrors(wrongType)).toMatch(/replicas/)
  })

  it('agents run as a DaemonSet named after their node (downward API) and join the manager Service; both read the token from the same Secret', () => {
    const service = find('Service', 'argon-manager')!
    const manager = find('Deployment', 'argon-manager')!
    const agents = find('DaemonSet', 'argon-node-agent')!
    const agent = podSpec(agents).containers[0]!
    expect(agent.env?.find((variable) => variable.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe(
      'spec.nodeName',
    )
    expect(agent.args?.join(' ')).toContain(`--join ${service.metadata.name}:8000`)
    expect(agent.args?.join(' ')).toContain('--name $(NODE_NAME)')
    expect((service.spec.ports as { port: number }[])[0]!.port).toBe(8000)
    // The agent's grace period fits in the pod's.
    const grace = Number(agent.args![agent.args!.indexOf('--grace') + 1])
    expect(podSpec(agents).terminationGracePeriodSeconds).toBeGreaterThan(grace)
    for (const spec of [podSpec(manager), podSpec(agents)]) {
      const container = spec.containers[0]!
      const home = container.env?.find((variable) => variable.name === 'ARGON_HOME')?.value
      const mount = container.volumeMounts?.find((volume) => volume.mountPath === home)
      expect(spec.volumes?.find((volume) => volume.name === mount?.name)?.secret?.secretName).toBe('argon-token')
    }
  })
})

describe('TLS in every deployment', () => {
  it('the manager serves the certificate of the Secret argon-tls, and agents verify it as their CA', () => {
    const all = manifests()
    const find = (kind: string, name: string) =>
      all.find((manifest) => manifest.kind === kind && manifest.metadata.name === name)
    const manager = podSpec(find('Deployment', 'argon-manager')!)
    const agents = podSpec(find('DaemonSet', 'argon-node-agent')!)
    const argAfter = (args: string[] | undefined, flag: string) => args?.[args.indexOf(flag) + 1]
    const secretAt = (spec: typeof manager, path: string | undefined) => {
      const mount = spec.containers[0]!.volumeMounts?.find((volume) => path?.startsWith(`${volume.mountPath}/`))
      return spec.volumes?.find((volume) => volume.name === mount?.name)?.secret?.secretName
    }
    expect(secretAt(manager, argAfter(manager.containers[0]!.args, '--tls-cert'))).toBe('argon-tls')
    expect(secretAt(manager, argAfter(manager.containers[0]!.args, '--tls-key'))).toBe('argon-tls')
    expect(secretAt(agents, argAfter(agents.containers[0]!.args, '--ca'))).toBe('argon-tls')
    // The agents get the certificate only, never its key.
    expect(
      agents.volumes
        ?.find((volume) => volume.secret?.secretName === 'argon-tls')
        ?.secret?.items?.map((item) => item.key),
    ).toEqual(['tls.crt'])
  })

  it('the systemd units and container files pass the certificate and the CA', () => {
    const manager = readFileSync(join(DEPLOY, 'systemd', 'argon-manager.service'), 'utf8')
    const agent = readFileSync(join(DEPLOY, 'systemd', 'argon-node-agent.service'), 'utf8')
    expect(manager).toMatch(/^ExecStart=.* --tls-cert %d\/tls\.crt --tls-key %d\/tls\.key/m)
    expect(manager).toMatch(/^LoadCredential=tls\.key:/m)
    expect(agent).toMatch(/^ExecStart=.* --ca %d\/ca\.crt/m)
    expect(agent).not.toMatch(/tls\.key/)
    expect(readFileSync(join(DEPLOY, 'container', 'manager.Dockerfile'), 'utf8')).toContain(
      '"--tls-cert", "/etc/argon/tls.crt", "--tls-key", "/etc/argon/tls.key"',
    )
    expect(readFileSync(join(DEPLOY, 'container', 'node-agent.Dockerfile'), 'utf8')).toContain(
      '"--ca", "/etc/argon/tls.crt"',
    )
  })
})

describe('container files', () => {
  for (const image of ['manager', 'node-agent']) {
    it(`${image}.Dockerfile lints clean and builds the package, runs as a non-root user and stops with SIGTERM`, () => {
      const text = readFileSync(join(DEPLOY, 'container', `${image}.Dockerfile`), 'utf8')
      expect(
        lintDockerfile(text).map(
          (problem) =>
            `line ${problem.range.start.line + 1}: ${typeof problem.message === 'string' ? problem.message : problem.message.value}`,
        ),
      ).toEqual([])
      const instructions = DockerfileParser.parse(text)
        .getInstructions()
        .map((instruction) => [instruction.getKeyword(), instruction.getArgumentsContent() ?? ''] as const)
      const of = (keyword: string) => instructions.filter(([name]) => name === keyword).map(([, args]) => args)
      expect(of('FROM').every((base) => base.startsWith('node:20'))).toBe(true)
      expect(of('RUN').join('\n')).toContain('npm pack')
      expect(of('USER')).toEqual(['node'])
      expect(of('STOPSIGNAL')).toEqual(['SIGTERM'])
      expect(of('ENV').join(' ')).toContain('ARGON_HOME=/etc/argon')
      expect(of('ENTRYPOINT')[0]).toContain(image === 'manager' ? '"argon", "manager"' : '"node-agent"')
      if (image === 'manager') expect(of('HEALTHCHECK')[0]).toContain('/health')
    })
  }

  it('the linter catches a broken file (so the check above can fail)', () => {
    expect(lintDockerfile('FROM node:20\nEXPOSE port\nSTOPSIGNAL\n').length).toBeGreaterThan(0)
  })
})

describe('systemd units', () => {
  const units = ['argon-manager.service', 'argon-node-agent.service']
  const read = (unit: string) => readFileSync(join(DEPLOY, 'systemd', unit), 'utf8')
  const setting = (text: string, key: string) =>
    [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => match[1]!)

  it('take the token from a credentials file, restart on failure, and stop the agent gracefully', () => {
    for (const unit of units) {
      const text = read(unit)
      expect(setting(text, 'LoadCredential')).toContain('token:/etc/argon/token')
      expect(setting(text, 'Environment')).toContain('ARGON_HOME=%d')
      expect(setting(text, 'Restart')).toEqual(['on-failure'])
    }
    const agent = read('argon-node-agent.service')
    // SIGTERM to the agent alone (it ends its children), and longer than its grace to do so.
    expect(setting(agent, 'KillMode')).toEqual(['mixed'])
    expect(setting(agent, 'ExecStart')[0]).toContain('--grace ${ARGON_GRACE}')
    expect(Number(setting(agent, 'TimeoutStopSec')[0])).toBeGreaterThan(
      Number(
        setting(agent, 'Environment')
          .find((value) => value.startsWith('ARGON_GRACE='))!
          .split('=')[1],
      ),
    )
    // Exit code 2 is a refusal by the manager (wrong token): restarting will not help.
    expect(setting(agent, 'RestartPreventExitStatus')).toEqual(['2'])
  })

  let analyze = true
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' })
  } catch {
    analyze = false
  }
  it.skipIf(!analyze)('pass systemd-analyze verify (with the programs installed where the units expect them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'argon-units-'))
    try {
      // The units name /usr/local/bin/argon and node-agent (npm install -g); verify checks that
      // the program exists, so point them at stand-ins here.
      for (const program of ['argon', 'node-agent']) {
        writeFileSync(join(dir, program), '#!/bin/sh\n')
        chmodSync(join(dir, program), 0o755)
      }
      const paths = units.map((unit) => {
        const path = join(dir, unit)
        writeFileSync(path, read(unit).replaceAll('/usr/local/bin/', `${dir}/`))
        return path
      })
      // Warnings (an unknown key, a bad value) go to stderr without failing the command.
      const result = spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8' })
      expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
