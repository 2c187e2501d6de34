// One process per data dir (src/local/api/data-lock.ts): a live holder is refused with its pid,
// a dead one's lock (kill -9, a reboot, a reused pid, a torn file) is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUse, lockDataDir, startTime } from '../../../src/local/api/data-lock.ts';
import { startLocalApi } from '../../../src/local/api/index.ts';

const root = mkdtempSync(join(tmpdir(), 'ordinal-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => { const d = join(root, String(n++)); rmSync(d, { force: true, recursive: true }); return mkdtempSync(d); };

describe('data dir lock', () => {
  it.each([
    { name: 'a dead pid', content: () => JSON.stringify({ pid: 2 ** 22 + 7, start: '1' }) },
    { name: 'this pid from an earlier life (start time differs)', content: () => JSON.stringify({ pid: process.pid, start: '1' }) },
    { name: 'a torn file', content: () => '{"pid": 12' },
    { name: 'an empty file', content: () => '' },
  ])('takes over a stale lock: $name', ({ content }) => {
    const dir = freshDir();
    writeFileSync(join(dir, 'lock'), content());
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toEqual({ pid: process.pid, start: startTime(process.pid) });
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses a second holder in this process, and is free again once released', () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUse);
    lock.release();
    lockDataDir(dir).release();
  });

  it('refuses while another process holds it, and takes it once that process is killed with SIGKILL', async () => {
    const dir = freshDir();
    const src = `import { lockDataDir } from ${JSON.stringify(new URL('../../../src/local/api/data-lock.ts', import.meta.url).pathname)};
      lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    while (!out.includes('locked')) await new Promise((r) => setTimeout(r, 20));
    let refused: unknown;
    try { lockDataDir(dir); } catch (err) { refused = err; }
    expect(refused).toBeInstanceOf(DataDirInUse);
    expect((refused as Error).message).toBe(`data dir ${dir} is in use by another ordinal (pid ${child.pid}); stop it, or give this one its own --data-dir`);
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    lockDataDir(dir).release();
  });

  it('the embedded API holds it while it runs', async () => {
    const dir = freshDir();
    const api = await startLocalApi({ listen: '127.0.0.1:0', dataDir: dir });
    try {
      await expect(startLocalApi({ listen: '127.0.0.1:0', dataDir: dir })).rejects.toThrow(/is in use by another ordinal/);
    } finally {
      await api.close();
    }
    const again = await startLocalApi({ listen: '127.0.0.1:0', dataDir: dir });
    await again.close();
  });
});
