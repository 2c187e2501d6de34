/**
 * @module The CLI entry with every command, `ordinal local` included (run.ts has the body).
 * bin/ordinal.js runs it for `local`; every other command goes through main-serve.ts.
 */
import { runLocal } from './local.ts';
import { defaultIo, runCli, type Io, type LocalCommand } from './run.ts';

export type { Io };

const local: LocalCommand = (cfg, stdout, stop, log) => runLocal(cfg.serve, cfg.local, stdout, stop, log);

export function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  return runCli(argv, io, local);
}
