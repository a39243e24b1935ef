#!/usr/bin/env node
// Command line: `livehub [--config FILE]` starts a node; `livehub token ...` manages API tokens.
// Configuration errors end the process with a message that names the key.

import { runTokenCommand } from './auth/token-cli.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './log/logger.js';
import { createLiveHub } from './server.js';

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
  const { config, warnings } = loadConfig(args.configFile === undefined ? { env: process.env } : { file: args.configFile, env: process.env });
  const logger = createLogger(config.log.level);
  for (const warning of warnings) logger.warn(warning);
  if (args.rest[0] === 'token') return runTokenCommand(args.rest.slice(1), config, (line) => process.stdout.write(line + '\n'));
  if (args.rest.length > 0) throw new ConfigError(`unknown argument: ${args.rest[0]}`);

  const hub = createLiveHub({ config, logger });
  await hub.start();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('Shutting down', { signal });
    hub.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1; // keep running
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
