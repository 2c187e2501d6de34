/**
 * @module The CLI entry for every command but `ordinal local`: serve, query, version, help.
 * It imports nothing of the embedded cluster (src/local/, protobuf, OpenAPI, certificates), so
 * a watcher's process does not hold their code; test/cli/footprint.test.ts keeps it that way.
 */
import { defaultIo, runCli, type Io } from './run.ts';

export function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  return runCli(argv, io);
}
