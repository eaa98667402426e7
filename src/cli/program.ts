import { Command, CommanderError } from 'commander';
import { CliError, exitCodes } from './api-client.js';
import { registerSendCommand } from './send-command.js';
import { registerSourceCommands } from './source-commands.js';
import { registerOperatorCommands } from './operator-commands.js';
import { registerSubscriptionCommands } from './subscription-commands.js';

/** Builds the `hookflow` command tree. */
export function buildProgram(): Command {
  const program = new Command('hookflow')
    .description('Operate Hookflow through its management API (HOOKFLOW_URL, MANAGEMENT_API_KEY).')
    .exitOverride();
  registerSendCommand(program);
  registerSourceCommands(program);
  registerSubscriptionCommands(program);
  registerOperatorCommands(program);
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 API error, 2 usage, 3 unreachable, 4 partial). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return exitCodes.apiError;
  }
}
