// A replica stopped (SIGSTOP, a paused container) while the cluster changed must not answer from
// the zone it had when it stopped: back from the stop it answers SERVFAIL until its informers
// have relisted, then the new state, and never the old one (issue #14: the soak's replica gave
// 5 stale answers right after SIGCONT). A real `ordinal serve --kubeconfig` process, a real
// SIGSTOP, and queries that arrive during the stop and right after it.
import dgram from 'node:dgram';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildQuery, decode } from '../helpers/dns-client.ts';
import type { FakeApi } from '../kube/fake-api.ts';
import { pod } from '../kube/helpers.ts';
import { fakeApiWithKubeconfig, startServe } from '../helpers/serve-process.ts';

const PODS = '/api/v1/pods';
const SVCS = '/api/v1/services';
const NAME = 'web-0.web.default.svc.cluster.local';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function headless(name: string) {
  return { kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 80 }] } };
}

/** Answers to `NAME A` as 'SERVFAIL' or the address; queries go out on one socket. */
class Prober {
  readonly answers: string[] = [];
  private readonly sock = dgram.createSocket('udp4');
  private id = 0;
  private readonly port: number;
  constructor(port: number) {
    this.port = port;
    this.sock.on('message', (buf) => {
      const m = decode(buf);
      this.answers.push(m.header.rcode === 2 ? 'SERVFAIL' : m.header.rcode !== 0 ? `rcode ${m.header.rcode}` : m.answers.map((a) => a.address).join(','));
    });
  }
  send(): void {
    this.sock.send(buildQuery(NAME, 1, { id: (this.id = (this.id + 1) & 0xffff) }), this.port, '127.0.0.1');
  }
  close(): void { this.sock.close(); }
}

describe('serve --kubeconfig back from SIGSTOP', () => {
  let api: FakeApi;
  let kubeconfig = '';
  beforeEach(async () => {
    ({ api, kubeconfig } = await fakeApiWithKubeconfig());
    api.put(SVCS, headless('web'));
    api.put(PODS, pod('web-0', 'default', { app: 'web' }, true, '10.1.0.7'));
  });
  afterEach(() => api.stop());

  it.each([
    { name: 'DNS on the watching thread', args: [] as string[] },
    { name: 'DNS on a worker thread (--transfer-to)', args: ['--transfer-to', '127.0.0.1/32'] },
    { name: 'two workers', args: ['--workers', '2'] },
  ])('$name: SERVFAIL, then the new state, never the old one', async ({ args }) => {
    const { proc, port, exited } = await startServe(kubeconfig, args);
    let probe: Prober | undefined;
    try {
      probe = new Prober(port);
      probe.send();
      await sleep(300);
      expect(probe.answers).toEqual(['10.1.0.7']);
      probe.answers.length = 0;

      proc.kill('SIGSTOP');
      await sleep(200);
      // Another Service's event reaches the stopped process's socket buffer and comes in first
      // after the resume; the pod's new address stays stalled on the other side, as a frozen
      // reader's TCP leaves it (kube/freeze.ts): only a relist brings it.
      api.put(SVCS, headless('other'));
      await sleep(100);
      api.stallWatches = true;
      api.put(PODS, pod('web-0', 'default', { app: 'web' }, true, '10.1.0.8'));
      api.stallWatches = false;
      await sleep(3500);
      for (let i = 0; i < 20; i++) probe.send(); // queued in the socket during the stop
      api.watchDelayMs = 1000; // a busy API server: a reopened watch takes a while to answer
      proc.kill('SIGCONT');
      const end = Date.now() + 4000;
      while (Date.now() < end) {
        probe.send();
        await sleep(3);
      }
      await sleep(200);
      const seen = [...new Set(probe.answers)].sort();
      expect(seen.filter((a) => a !== 'SERVFAIL' && a !== '10.1.0.8')).toEqual([]); // never the old state
      expect(probe.answers[0]).toBe('SERVFAIL'); // the queries from the stop were held
      expect(probe.answers.at(-1)).toBe('10.1.0.8'); // and the new state came
      expect(probe.answers.length).toBeGreaterThan(500);
    } finally {
      probe?.close();
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
