// Reading --tsig-key secret files (cli/transfer.ts): bare base64 or a BIND key clause.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSecret } from '../../src/cli/transfer.ts';

const dir = mkdtempSync(join(tmpdir(), 'ordinal-tsig-'));
const file = (name: string, text: string): string => { const p = join(dir, name.replace(/\W/g, '_')); writeFileSync(p, text); return p; };

describe('readSecret', () => {
  it.each([
    { name: 'bare base64 with a newline', text: 'c2VjcmV0\n', want: 'secret' },
    { name: 'a BIND / tsig-keygen key clause', text: 'key "xfr" {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0";\n};\n', want: 'secret' },
  ])('$name', ({ name, text, want }) => {
    expect(readSecret({ name: 'xfr', algorithm: 'hmac-sha256', secretFile: file(name, text) }).toString()).toBe(want);
  });
  it.each([
    { name: 'missing file', path: join(dir, 'absent'), err: /cannot read/ },
    { name: 'not base64', path: file('bad', 'not base64 at all!\n'), err: /no base64 secret/ },
    { name: 'empty', path: file('empty', '\n'), err: /no base64 secret/ },
  ])('$name', ({ path, err }) => {
    expect(() => readSecret({ name: 'xfr', algorithm: 'hmac-sha256', secretFile: path })).toThrow(err);
  });
});
