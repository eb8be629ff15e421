/** lmrelay serve | check | models list | doctor | spend | config set */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createLogger } from './logger.js';
import { resolve } from 'node:path';
import { lmrelayPackage } from './package-root.js';
import { BUILTIN_SOURCE, ConfigError, DEFAULT_CONFIG_FILE, loadConfigFile, pickConfigSource } from './config/load.js';
import { setConfigValue } from './config/edit.js';
import { formatDiagnosis, formatDoctorReport, PROBE_TIMEOUT_MS, runDoctor } from './doctor.js';
import { startServer } from './server.js';
import { formatSpend, readSpend } from './spend/report.js';

export function buildCli(): Command {
  const program = new Command('lmrelay')
    .description('OpenAI-compatible reverse proxy for local and hosted LLM servers')
    .version(packageVersion(), '-v, --version', 'print the version')
    // Usage mistakes end in one line and exit code 2 (set before the commands: they inherit it).
    .exitOverride();
  const configOption = () => new Option('-c, --config <file>', 'JSON5 config file (default: ./lmrelay.json5, else the built-in local default)');

  program
    .command('serve', { isDefault: true })
    .description('start the proxy')
    .addOption(configOption())
    .option('--host <host>', 'address to listen on (default: server.host, 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on (default: server.port, 4000)', parsePort)
    .option('--pretty', 'human-readable logs')
    .addOption(new Option('--log-level <level>', 'log level (default: LOG_LEVEL, else info)').choices(LOG_LEVELS))
    .action(async (opts) => {
      const level = opts.logLevel ?? process.env.LOG_LEVEL;
      if (level !== undefined && !LOG_LEVELS.includes(level)) usageError(`LOG_LEVEL: "${level}" is not a log level (${LOG_LEVELS.join(', ')})`);
      const logger = createLogger({ level, pretty: opts.pretty ?? (process.stdout.isTTY && !process.env.LOG_FORMAT) });
      try {
        await startServer({ configSource: pickConfigSource(opts.config), host: opts.host, port: opts.port, logger });
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('check')
    .description('validate a config file; exit 0 when valid')
    .addOption(configOption())
    .action((opts) => {
      try {
        const loaded = loadConfigFile(pickConfigSource(opts.config));
        const models = loaded.catalog.list().length;
        for (const warning of [...loaded.catalog.warnings, ...loaded.security.warnings]) console.log(`warning: ${warning}`);
        const errors = [...loaded.catalog.errors, ...loaded.security.errors];
        if (errors.length) {
          for (const error of errors) console.error(`error: ${error}`);
          process.exit(1);
        }
        const configured = [...loaded.catalog.providers.values()].filter((p) => !p.builtin).length;
        const builtin = [...loaded.catalog.providers.values()].filter((p) => p.builtin).map((p) => `${p.id} ${p.origin}`);
        console.log(
          `${loaded.source}: valid (${plural(configured, 'provider')}, ${plural(models, 'model')}${loaded.catalog.primary ? `, primary ${loaded.catalog.primary}` : ''})` +
            (builtin.length ? `; models.mode "merge" also lists what these local servers report: ${builtin.join(', ')}` : ''),
        );
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('doctor')
    .description('probe every provider and say what works and how to fix what does not')
    .addOption(configOption())
    .option('--json', 'print the report as JSON')
    .action(async (opts) => {
      try {
        const loaded = loadConfigFile(pickConfigSource(opts.config));
        const count = loaded.catalog.providers.size;
        if (!opts.json) console.log(`probing ${count} provider${count === 1 ? '' : 's'} at once (each call waits at most ${PROBE_TIMEOUT_MS / 1000}s, or its timeoutSeconds)...`);
        // A block per provider as soon as it is done, then the summary.
        const report = await runDoctor(loaded, { onResult: opts.json ? undefined : (d) => console.log(formatDiagnosis(d)) });
        console.log(opts.json ? JSON.stringify(report, null, 2) : `\n${formatDoctorReport(report)}`);
        process.exitCode = report.primaryUsable ? 0 : 1;
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('spend')
    .description("print this day's and month's spend per key, provider and model, with their budgets")
    .addOption(configOption())
    .option('--json', 'print the totals as JSON')
    .action(async (opts) => {
      try {
        const loaded = loadConfigFile(pickConfigSource(opts.config));
        const { from, totals } = await readSpend(loaded, process.env.REDIS_URL);
        console.log(opts.json ? JSON.stringify({ from, periods: totals }, null, 2) : `spend from ${from}\n${formatSpend(loaded, totals)}`);
      } catch (err) {
        fail(err);
      }
    });

  program
    .command('config')
    .description('edit the config file')
    .command('set <path> <value>')
    .description('set (or with --merge, deep-merge) a value; the result is validated before it is written')
    .addOption(configOption())
    .option('--merge', 'deep-merge an object into what is there')
    .option('--strict-json', 'the value must be strict JSON')
    .action((path: string, value: string, opts) => {
      try {
        const source = pickConfigSource(opts.config);
        const file = source === BUILTIN_SOURCE ? resolve(DEFAULT_CONFIG_FILE) : source;
        const result = setConfigValue(file, path, value, { merge: opts.merge, strictJson: opts.strictJson });
        console.log(`${file}: set ${path}`);
        if (result.droppedComments) console.log('note: the file had comments; the json5 library cannot keep them, so they were dropped');
      } catch (err) {
        fail(err);
      }
    });

  const models = program.command('models').description('inspect configured models');
  models
    .command('list')
    .description('one model ref per line, with alias and upstream')
    .addOption(configOption())
    .action((opts) => {
      try {
        const { catalog } = loadConfigFile(pickConfigSource(opts.config));
        for (const target of catalog.list()) {
          const aliases = catalog.aliasEntries().filter(([, ref]) => ref === target.ref).map(([alias]) => alias);
          const served = target.deployments
            ? `deployments=${target.deployments.map((d) => (d.weight === 1 ? d.target.ref : `${d.target.ref}*${d.weight}`)).join(',')}`
            : `upstream=${target.provider.origin}${target.provider.basePath} ${target.upstreamModel}`;
          const marks = [aliases.length ? `alias=${aliases.join(',')}` : '', served];
          if (target.ref === catalog.primary) marks.unshift('primary');
          console.log([target.ref, ...marks.filter(Boolean)].join('\t'));
        }
        const open = [...catalog.providers.values()].filter((p) => p.open);
        for (const p of open) console.log(`${p.id}/*\tany model the server at ${p.origin}${p.basePath} reports${p.builtin ? ' (built-in, models.mode "merge")' : ''}`);
      } catch (err) {
        fail(err);
      }
    });
  return program;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}

/** A mistake in how lmrelay was called: one line, exit code 2 (as commander's own). */
function usageError(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

/** The version in lmrelay's package.json. */
function packageVersion(): string {
  return lmrelayPackage()?.version ?? 'unknown';
}

function fail(err: unknown): never {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`lmrelay: ${(err as Error)?.message ?? err}`);
  process.exit(1);
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    // commander has already printed its one-line message; help and --version end well.
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  }
}
