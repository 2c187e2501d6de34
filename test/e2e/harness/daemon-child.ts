/**
 * Helper process for daemon.test.ts: starts a daemon (a shell that also forks a grandchild),
 * prints both pids, then ends the way argv[2] says, to prove the exit/signal hooks clean up.
 */
import { startDaemon } from './daemon.ts';

const how = process.argv[2] ?? 'exit';
const logFile = process.argv[3] ?? '/dev/null';
// `sleep & wait` keeps a grandchild in the daemon's process group.
const d = startDaemon({ name: 'sleeper', bin: 'sh', args: ['-c', 'sleep 300 & echo $! ; wait'], logFile });
setTimeout(() => {
  process.stdout.write(`${d.pid}\n`);
  switch (how) {
    case 'exit':
      process.exit(3);
      break;
    case 'throw':
      throw new Error('boom');
    default:
      process.kill(process.pid, how as NodeJS.Signals);
  }
}, 300);
