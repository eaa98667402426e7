// `npm run temporal:provision`: obtains the Temporal CLI the way the dev stack and tests do (used by .ci/run).
import { loadConfig } from '../src/config.js';
import { exitWithStartupError } from '../src/process/shutdown.js';
import { provisionTemporalCli } from '../src/dev/temporal-cli.js';

try {
  const config = loadConfig();
  const cli = await provisionTemporalCli({
    dataDir: config.DATA_DIR,
    cliPath: config.TEMPORAL_CLI_PATH,
    allowSdkDownload: true,
  });
  console.log(
    cli.kind === 'binary'
      ? `Temporal CLI: ${cli.path} (${cli.origin})`
      : 'Temporal CLI: the SDK will download the dev server on first use.',
  );
} catch (error) {
  exitWithStartupError(error);
}
