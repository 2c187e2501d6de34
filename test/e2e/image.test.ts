/**
 * The container image, built from ./Dockerfile by `npm run image` (scripts/image.sh) with a
 * locally made Node base, then checked as a container runtime would run it. `podman run` cannot
 * start containers in this sandbox (see shared/reference/containers.md), so the image's root
 * filesystem is mounted read-only and its entrypoint runs under chroot, as the image's user, on
 * the host network. Also: the manifests in deploy/ agree with the image (image reference,
 * flags, ports).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireBins } from './harness/bins.ts';
import { dig } from './harness/dig.ts';
import { freeDnsPort, run, waitFor, type RunResult } from './harness/util.ts';

interface ImageConfig { Entrypoint: string[]; Cmd: string[]; User: string; Env: string[]; WorkingDir: string; ExposedPorts: Record<string, object> }

let ref: string;
let config: ImageConfig;
let mounted: string;
let root: string;
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function must(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await run(cmd, args, { cwd: REPO_ROOT, timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The chroot argv that runs the image's entrypoint with `args` in place of CMD, as its user, in its env and workdir. */
function entrypoint(args: string[] = config.Cmd): [string, string[]] {
  const [uid, gid = uid] = config.User.split(':');
  return ['chroot', [`--userspec=${uid}:${gid}`, root, '/usr/bin/env', '-i', '-C', config.WorkingDir, ...config.Env, ...config.Entrypoint, ...args]];
}
const runIn = (args: string[]): Promise<RunResult> => run(...entrypoint(args), { timeoutMs: 60_000 });

beforeAll(async () => {
  ref = (await must('bash', ['scripts/image.sh', '--local-base'], 1_200_000)).trim().split('\n').at(-1)!;
  config = JSON.parse(await must('podman', ['image', 'inspect', '--format', '{{json .Config}}', ref])) as ImageConfig;
  mounted = (await must('podman', ['image', 'mount', ref])).trim();
  // A read-only view of the image's filesystem, with /proc and /dev as a runtime provides them.
  root = mkdtempSync(join(tmpdir(), 'ordinal-image-root-'));
  await must('mount', ['--bind', mounted, root]);
  await must('mount', ['-o', 'remount,bind,ro', root]);
  await must('mount', ['-t', 'proc', 'proc', join(root, 'proc')]);
  await must('mount', ['--bind', '/dev', join(root, 'dev')]);
}, 1_500_000);

afterAll(async () => {
  for (const m of [join(root, 'dev'), join(root, 'proc'), root]) await run('umount', ['-l', m]);
  if (ref) await run('podman', ['image', 'unmount', ref]);
});

describe('the image', () => {
  it('is named as deploy/kustomization.yaml names it, tagged with the package version', () => {
    const kust = readFileSync(join(REPO_ROOT, 'deploy/kustomization.yaml'), 'utf8');
    const name = /newName:\s*(\S+)/.exec(kust)![1];
    expect(/newTag:\s*(\S+)/.exec(kust)![1]).toBe(version);
    expect(ref).toBe(`${name}:${version}`);
  });

  it('runs `ordinal serve` as a non-root user by default', () => {
    expect(config.Entrypoint).toEqual(['ordinal']);
    expect(config.Cmd).toEqual(['serve']);
    expect(config.User).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(Object.keys(config.ExposedPorts).sort()).toEqual(['5353/tcp', '5353/udp', '8080/tcp']);
  });

  it('holds the compiled package and production dependencies only', () => {
    expect(existsSync(join(mounted, 'app/dist/cli/main.js'))).toBe(true);
    expect(existsSync(join(mounted, 'app/node_modules/@kubernetes/client-node'))).toBe(true);
    expect(existsSync(join(mounted, 'app/native/build/ordinal_udp.node'))).toBe(true);
    for (const absent of ['app/src', 'app/test', 'app/bench', 'app/.ordinal', 'app/.git', 'app/Dockerfile', 'src',
      'app/node_modules/vitest', 'app/node_modules/typescript', 'app/node_modules/node', 'app/node_modules/.bin/vitest']) {
      expect(existsSync(join(mounted, absent)), absent).toBe(false);
    }
  });

  it('reports the version and the commit it was built from', async () => {
    const head = (await must('git', ['rev-parse', 'HEAD'])).trim();
    const r = await runIn(['version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ordinal ${version.replaceAll('.', '\\.')} \\(commit ${head}(-dirty)?, built, node v24\\.`));
  });

  it('ordinal local on the read-only root without --data-dir names the flag to set, with no stack trace', async () => {
    const r = await runIn(['local', '--api-listen', '127.0.0.1:0', '--dns-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ordinal: data dir \/home\/node\/\.ordinal is not writable \(E[A-Z]+\): set --data-dir/)]);
  });
});

describe('ordinal serve --manifests from the image, read-only root, on the host network', () => {
  let proc: ChildProcess;
  let port: number;
  let out = '';
  beforeAll(async () => {
    port = await freeDnsPort();
    // --udp-io batch refuses to start without the native addon: the image must ship it built.
    const [cmd, argv] = entrypoint(['serve', '--manifests', '/app/deploy/examples/dns-demo.yaml', '--dns-listen', `127.0.0.1:${port}`,
      '--http-listen', '127.0.0.1:0', '--udp-io', 'batch']);
    proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    await waitFor(() => /dns listening/.test(out), 60_000, { what: `ordinal serve in the image; output so far:\n${out}` });
  }, 90_000);
  afterAll(() => { proc?.kill('SIGTERM'); });

  it('answers dig', async () => {
    const r = await dig(port, 'web-0.nginx.default.svc.cluster.local');
    expect(r.status).toBe('NOERROR');
    expect(r.answers).toHaveLength(1);
  });

  it("runs as the image's user, with its root filesystem read-only", async () => {
    const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    const uid = config.User.split(':')[0];
    expect(/^Uid:\s+(\d+)/m.exec(status)![1]).toBe(uid);
    expect((await must('findmnt', ['-no', 'OPTIONS', root])).split(',')).toContain('ro');
  });
});

describe('deploy/ matches the image', () => {
  const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy/deployment.yaml'), 'utf8')).map((d) => d.toJS() as any); // eslint-disable-line @typescript-eslint/no-explicit-any
  const deployment = docs.find((d) => d.kind === 'Deployment');
  const container = deployment.spec.template.spec.containers[0];

  it('kustomize renders the Deployment with the built image', async () => {
    const { kubectl } = requireBins(['kubectl']);
    const rendered = await must(kubectl, ['kustomize', join(REPO_ROOT, 'deploy')]);
    expect(rendered).toContain(`image: ${ref}\n`);
    expect(container.image).toBe(ref);
  });

  it("every flag in the container's args is one that the image's `ordinal serve --help` lists", async () => {
    const help = await runIn(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(container.args[0]).toBe('serve');
    const flags = (container.args as string[]).filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!);
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) expect(help.stdout, f).toMatch(new RegExp(`^\\s+${f}\\b`, 'm'));
  });

  it('the ports the args listen on are the container ports, the image exposes them, and the Service targets them', () => {
    const arg = (flag: string): string => container.args[container.args.indexOf(flag) + 1];
    const dnsPort = Number(arg('--dns-listen').split(':').at(-1));
    const httpPort = Number(arg('--http-listen').split(':').at(-1));
    const ports = container.ports as Array<{ name: string; containerPort: number; protocol: string }>;
    expect(ports.map((p) => `${p.containerPort}/${p.protocol.toLowerCase()}`).sort()).toEqual([`${dnsPort}/tcp`, `${dnsPort}/udp`, `${httpPort}/tcp`].sort());
    expect(Object.keys(config.ExposedPorts).sort()).toEqual(ports.map((p) => `${p.containerPort}/${p.protocol.toLowerCase()}`).sort());
    const svc = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy/service.yaml'), 'utf8')).map((d) => d.toJS() as any).find((d) => d.kind === 'Service'); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const p of svc.spec.ports as Array<{ targetPort: string }>) expect(ports.map((x) => x.name)).toContain(p.targetPort);
  });

  it("the pod's securityContext runs the image's user on a read-only root", () => {
    const [uid, gid] = config.User.split(':').map(Number);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });
});
