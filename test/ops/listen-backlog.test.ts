/** The listening socket's accept queue is sized for thousands of clients connecting at once. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { serve } from '../helpers/cli.js';
import { LISTEN_BACKLOG } from '../../src/server.js';

const ss = spawnSync('ss', ['-V']).status === 0;

t.test('serve listens with a backlog above Node default of 511', { skip: !ss && 'needs ss (iproute2)' }, async (t) => {
  const relay = await serve([]);
  t.teardown(() => relay.stop());
  const port = new URL(relay.url).port;
  // For a listening socket, ss shows the backlog it was given (capped by the kernel) as Send-Q.
  const out = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  const backlog = Number(out.trim().split(/\s+/)[2]);
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  t.equal(backlog, Math.min(LISTEN_BACKLOG, somaxconn), `ss: ${out.trim()}`);
  t.ok(backlog > 511 || somaxconn <= 511, 'more than Node default, where the kernel allows it');
});
