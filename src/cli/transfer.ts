/**
 * @module The zone-transfer settings of `serve`/`local`: `--transfer-to`, `--tsig-key` (the secret
 * read from its file here, at startup) and `--require-tsig`, as the DNS server takes them.
 */
import { readFileSync } from 'node:fs';
import type { TransferConfig } from '../dns/server.ts';
import type { TsigKey } from '../dns/tsig.ts';
import { ConfigError, type ServeConfig, type TsigKeySpec } from './config.ts';

/**
 * The secret of a key file: either the bare base64 text, or a BIND/`tsig-keygen` key clause
 * (`secret "..."`), so the same file can configure ordinal and a BIND secondary.
 */
export function readSecret(spec: TsigKeySpec): Buffer {
  let text: string;
  try {
    text = readFileSync(spec.secretFile, 'utf8');
  } catch (err) {
    throw new ConfigError(`--tsig-key ${spec.name}: cannot read ${spec.secretFile}: ${(err as Error).message}`);
  }
  const quoted = /secret\s+"([^"]+)"/.exec(text)?.[1];
  const b64 = (quoted ?? text).replace(/\s+/g, '');
  if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new ConfigError(`--tsig-key ${spec.name}: ${spec.secretFile} holds no base64 secret`);
  return Buffer.from(b64, 'base64');
}

export function transferConfig(cfg: ServeConfig, notify = true): TransferConfig {
  const keys: TsigKey[] = cfg.tsigKeys.map((k) => ({ name: k.name, algorithm: k.algorithm, secret: readSecret(k) }));
  return { peers: cfg.transferTo, keys, requireTsig: cfg.requireTsig, notify };
}
