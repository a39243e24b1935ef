#!/usr/bin/env node
// Command line: `livehub [--config FILE]` starts a node; `livehub token ...` manages API tokens.
// Configuration errors end the process with a message that names the key. SIGTERM, SIGINT and
// SIGHUP stop the node gracefully; started by `npm start`, it also stops when npm goes away.

import { runTokenCommand } from './auth/token-cli.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './log/logger.js';
import { createLiveHub, loggerOptions } from './server.js';

interface CliArgs {
  readonly configFile: string | undefined;
  readonly rest: string[];
}

function parseArgs(argv: string[]): CliArgs {
  let configFile: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config' || arg === '-config') {
      const value = argv[++i];
      if (value === undefined) throw new ConfigError('--config needs a file path');
      configFile = value;
    } else if (arg.startsWith('--config=')) {
      configFile = arg.slice('--config='.length);
    } else {
      rest.push(arg);
    }
  }
  return { configFile, rest };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const { config, warnings, notices } = loadConfig(args.configFile === undefined ? { env: process.env } : { file: args.configFile, env: process.env });
  const logger = createLogger(config.log.level, undefined, undefined, loggerOptions(config));
  for (const warning of warnings) logger.warn(warning);
  for (const notice of notices) logger.info(notice);
  if (args.rest[0] === 'token') return runTokenCommand(args.rest.slice(1), config, (line) => process.stdout.write(line + '\n'));
  if (args.rest.length > 0) throw new ConfigError(`unknown argument: ${args.rest[0]}`);

  const hub = createLiveHub({ config, logger });
  // Signal handlers come first: a supervisor may stop the node while it is still starting (or in the
  // moment after it logged "HTTP Server Listen"), and the default action would kill it uncleanly.
  let state: 'starting' | 'running' | 'stopping' = 'starting';
  let stopDuringStart: string | undefined;
  const shutdown = (signal: string): void => {
    state = 'stopping';
    logger.info('Shutting down', { signal });
    hub.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  const stop = (signal: string): void => {
    if (state === 'starting') stopDuringStart ??= signal;
    else if (state === 'running') shutdown(signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  if (process.env['npm_lifecycle_event'] !== undefined) watchParent(() => stop('parent exited'));
  await hub.start();
  state = 'running';
  if (stopDuringStart !== undefined) shutdown(stopDuringStart);
  return -1; // keep running
}

/**
 * Under `npm start`, a supervisor (or `timeout -s KILL`) may signal only npm: when npm dies without
 * passing the signal on, this process is handed to another parent, and it stops instead of running
 * on unattended. Started directly (`node dist/src/cli.js`), the parent is not watched, so a
 * daemonised node survives the shell that started it.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`livehub: ${err instanceof ConfigError ? 'configuration error: ' : ''}${message}\n`);
    process.exit(1);
  },
);
