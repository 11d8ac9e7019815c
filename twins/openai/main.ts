// Command-line entry of the OpenAI twin: `tsx twins/openai/main.ts --script FILE [--port N] [--host H] [--api-key K]`.
// Prints one line with the URL on stdout and serves until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { childLogger } from '../../runtime/logger';
import { loadTwinScript, TwinScriptError } from './script';
import { startOpenAITwin } from './server';

const USAGE = 'usage: tsx twins/openai/main.ts --script FILE [--port N] [--host H] [--api-key K]';

/** Bad input from the command line: one line on stderr, exit 2. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface CliOptions {
  scriptFile: string;
  port: number;
  host: string;
  apiKey?: string;
}

function parseCli(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        script: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; ${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (!values.script) throw new UsageError(`--script FILE is required; ${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535 (0 picks a free port), got "${values.port}"`);
  }
  if (values.host === '') throw new UsageError('--host must not be empty, e.g. --host 127.0.0.1');
  // The environment variable keeps the key out of `ps` output.
  const apiKey = values['api-key'] ?? process.env.OPENAI_TWIN_API_KEY;
  if (apiKey === '') throw new UsageError('--api-key must not be empty; leave it out to accept any key');
  return { scriptFile: values.script, port, host: values.host ?? '127.0.0.1', ...(apiKey ? { apiKey } : {}) };
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const script = loadTwinScript(cli.scriptFile);
  const twin = await startOpenAITwin({ script, port: cli.port, host: cli.host, logger: childLogger({ script: cli.scriptFile }), ...(cli.apiKey ? { apiKey: cli.apiKey } : {}) });
  process.stdout.write(`openai twin listening on ${twin.url}\n`);

  const stop = () => {
    twin.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`openai twin: failed to close: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof TwinScriptError) {
    process.stderr.write(`openai twin: ${error.message}\n`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    process.stderr.write(`openai twin: cannot listen (${code}): ${(error as Error).message}; pick another --port or --host\n`);
    process.exit(2);
  }
  process.stderr.write(`openai twin: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
