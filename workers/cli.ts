// `hookflow` / `npm run cli --`: the operator CLI. Wiring only.
import { runCli } from '../src/cli/program.js';

process.exitCode = await runCli(process.argv.slice(2));
