#!/usr/bin/env node
import { Command } from 'commander'
import { managerCommand } from './manager-command.js'
import { demoCommand } from './demo-command.js'
import { packageVersion } from '../manager/package-info.js'
import { nodeAgentCommand } from '../node-agent/cli.js'
import {
  dismissCommand,
  jobsCommand,
  nodesCommand,
  pauseCommand,
  rotationCommand,
  scaleCommand,
  tasksCommand,
} from './control-commands.js'
import { exitCodeOf } from '../protocol/index.js'

const program = new Command('argon')
  .description('Argon: a distributed task-processing cluster for TypeScript/Node.')
  .version(packageVersion())
  // Options after a subcommand's name are that subcommand's (`argon jobs cancel 3 --manager …`).
  .enablePositionalOptions()
  .addCommand(managerCommand())
  .addCommand(demoCommand())
  .addCommand(nodeAgentCommand('worker').summary('run a worker node (the same program as node-agent)'))
  .addCommand(nodesCommand())
  .addCommand(rotationCommand('drain'))
  .addCommand(rotationCommand('resume'))
  .addCommand(dismissCommand())
  .addCommand(tasksCommand())
  .addCommand(jobsCommand())
  .addCommand(pauseCommand())
  .addCommand(scaleCommand())

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`argon: ${(error as Error).message}`)
  process.exit(exitCodeOf(error))
})
