/**
 * The many-slow-streams phase for one target: runs bench/slow-clients.ts as its own process
 * (thousands of sockets, and the bench's own event loop stays out of the measurement) while
 * sampling the target's RSS, CPU and open file descriptors from /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ManyStreamsResult {
  name: string;
  streams: number;
  completed: number;
  failures: Record<string, number>;
  peakStreaming: number;
  rampSeconds: number;
  seconds: number;
  chunksMeasured: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessP999Ms: number;
  latenessMaxMs: number;
  firstChunkP50Ms: number;
  firstChunkP99Ms: number;
  /** Of the target process, sampled every 100 ms during the phase. */
  peakRssMB?: number;
  /** The target's CPU over the phase, 100 = one core busy all the time. */
  cpuPercent?: number;
  /**
   * How long the target's main thread waited, ready to run, for a core another process held
   * (/proc/<pid>/schedstat): on a shared machine, the part of the lateness that is not its own.
   */
  runQueueWaitMs?: number;
  peakOpenFds?: number;
  /**
   * Connections the kernel dropped because a listener's accept queue was full (machine-wide,
   * during this target's run): each comes back a second or more later (SYN retry).
   */
  acceptQueueDrops?: number;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function ticks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Nanoseconds the main thread spent runnable but not running (0 when unknown). */
export function runQueueWait(pid: number | undefined): number {
  try {
    return pid ? Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) : 0;
  } catch {
    return 0;
  }
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** TcpExt ListenOverflows from /proc/net/netstat: machine-wide, so only a delta over a run means anything. */
function listenOverflows(): number | undefined {
  try {
    const [names, counts] = readFileSync('/proc/net/netstat', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'))
      .map((l) => l.split(/\s+/));
    const i = names.indexOf('ListenOverflows');
    return i > 0 ? Number(counts[i]) : undefined;
  } catch {
    return undefined;
  }
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The hard limit on open files of processes started from here (Node raises its soft limit to it at startup). */
export function fileLimit(): number {
  const out = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out) || 1024;
}

/** Waits (bounded) until a process holds fewer than `below` descriptors: the previous target's sockets are gone. */
export async function fdsBelow(pid: number | undefined, below: number, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (pid && openFds(pid) >= below && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
}

export async function manyStreams(options: { name: string; url: string; pid?: number; bodyFile: string; count: number; intervalMs: number; openPerSecond: number; deadlineSeconds: number; tsx: string; clients: string }): Promise<ManyStreamsResult> {
  const { pid } = options;
  let peakRss = 0;
  let peakFds = 0;
  let samples = 0;
  const sample = setInterval(() => {
    if (!pid) return;
    try {
      peakRss = Math.max(peakRss, rssMB(pid));
      // Listing 20,000 descriptors costs the bench a few ms: once a second is enough.
      if (samples++ % 10 === 0) peakFds = Math.max(peakFds, openFds(pid));
    } catch {
      // the target exited: the stream failures say so
    }
  }, 100);
  const ticksBefore = pid ? ticks(pid) : 0;
  const waitBefore = pid ? runQueueWait(pid) : 0;
  const overflowsBefore = listenOverflows();
  const began = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', options.tsx, options.clients, '--url', `${options.url}/v1/chat/completions`, '--body-file', options.bodyFile, '--count', String(options.count), '--rate', String(options.openPerSecond), '--interval', String(options.intervalMs), '--deadline', String(options.deadlineSeconds)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), (options.deadlineSeconds + 30) * 1000);
  const line = await new Promise<string | undefined>((resolve) => {
    let last: string | undefined;
    createInterface({ input: child.stdout! }).on('line', (l) => (last = l));
    child.once('close', () => resolve(last));
  });
  clearTimeout(killer);
  clearInterval(sample);
  const seconds = (performance.now() - began) / 1000;
  const overflowsAfter = listenOverflows();
  let alive = true;
  let cpuPercent: number | undefined;
  let runQueueWaitMs: number | undefined;
  try {
    if (pid) cpuPercent = Math.round(((ticks(pid) - ticksBefore) / CLK_TCK / seconds) * 100);
    if (pid) runQueueWaitMs = Math.round((runQueueWait(pid) - waitBefore) / 1e6);
  } catch {
    alive = false;
  }
  const result = line?.startsWith('{') ? JSON.parse(line) : { streams: options.count, completed: 0, failures: { 'load generator failed': options.count } };
  if (!alive) result.failures = { ...result.failures, 'target exited': 1 };
  return {
    name: options.name,
    ...result,
    peakRssMB: pid ? Math.round(peakRss) : undefined,
    cpuPercent,
    runQueueWaitMs,
    peakOpenFds: pid ? peakFds : undefined,
    acceptQueueDrops: overflowsBefore !== undefined && overflowsAfter !== undefined ? overflowsAfter - overflowsBefore : undefined,
  };
}
