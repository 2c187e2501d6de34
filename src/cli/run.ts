/**
 * @module The CLI's shared body: parse, dispatch, map errors to exit codes.
 * 0 ok · 1 runtime failure (bad manifests, bind errors, not implemented) · 2 bad usage.
 *
 * `ordinal local` is passed in by the entry that has it (main.ts): the embedded cluster's modules
 * (API server, protobuf, OpenAPI, certificates, typed clients) are most of ordinal's code, and
 * `ordinal serve` loads none of them (main-serve.ts; bench/RESULTS.md, "Footprint").
 */
import { ConfigError, parseConfig, type Config } from './config.ts';
import { ManifestError } from './manifests.ts';
import { createLogger, type Logger } from '../log.ts';
import { runLiveServe } from './live.ts';
import { runQuery } from './query.ts';
import { NotImplementedError, runServe, type Output } from './serve.ts';
import { USAGE } from './usage.ts';
import { formatVersion, versionInfo } from './version.ts';

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Resolves when the process should shut down; defaults to SIGINT/SIGTERM. */
  readonly stop?: Promise<unknown>;
}

export type LocalConfig = Extract<Config, { command: 'local' }>;
/** Runs `ordinal local` until `stop`; resolves with the exit code. */
export type LocalCommand = (cfg: LocalConfig, stdout: Output, stop: Promise<unknown>, log: Logger) => Promise<number>;

export const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr });

/** Resolves on the first SIGINT or SIGTERM; later signals fall back to Node's default (exit). */
function signals(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function dispatch(cfg: Config, io: Io, local: LocalCommand | undefined): Promise<number> {
  switch (cfg.command) {
    case 'help': io.stdout.write(USAGE); return 0;
    case 'version': io.stdout.write(formatVersion(versionInfo())); return 0;
    case 'query': return runQuery(cfg.query, io.stdout, io.stderr);
    case 'serve':
      if (cfg.serve.manifests.length > 0) return runServe(cfg.serve, io.stdout, io.stop ?? signals());
      return runLiveServe(cfg.serve, io.stdout, io.stop ?? signals(), createLogger(cfg.serve.logLevel));
    case 'local':
      if (!local) throw new Error('this entry point has no "local" command (bin/ordinal.js runs cli/main for it)');
      return local(cfg, io.stdout, io.stop ?? signals(), createLogger(cfg.serve.logLevel));
  }
}

export async function runCli(argv: string[], io: Io, local?: LocalCommand): Promise<number> {
  try {
    return await dispatch(parseConfig(argv), io, local);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`ordinal: ${err.message}\nRun "ordinal help" for usage.\n`);
      return 2;
    }
    if (err instanceof ManifestError || err instanceof NotImplementedError) {
      io.stderr.write(`ordinal: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`ordinal: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
