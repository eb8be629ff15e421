/**
 * Loaded with `--import` into the process under test by bench/stream-memory.ts (which forks it
 * with an IPC channel and --expose-gc). Answers its messages:
 * - `measure`: full GCs, then the process's memory (what stays live, not garbage).
 * - `count-start` / `count-stop`: CPU time and bytes allocated on the JS heap between the two
 *   (allocated = heap growth + what every GC in between freed, from v8.GCProfiler): a figure
 *   per request that, unlike wall time, a busy machine barely moves.
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
let counting: { profiler: GCProfiler; cpu: NodeJS.CpuUsage; used: number } | undefined;

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function measure() {
  // Twice with a turn between: weak callbacks and finalizers free more on the second pass.
  for (let i = 0; i < 3; i++) {
    gc?.();
    await tick();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

process.on('message', async (msg: { cmd: string; id: number }) => {
  if (msg.cmd === 'measure') {
    process.send!({ id: msg.id, ...(await measure()) });
  } else if (msg.cmd === 'count-start') {
    const profiler = new GCProfiler();
    profiler.start();
    counting = { profiler, cpu: process.cpuUsage(), used: getHeapStatistics().used_heap_size };
    process.send!({ id: msg.id });
  } else if (msg.cmd === 'count-stop' && counting) {
    const cpu = process.cpuUsage(counting.cpu);
    const usedNow = getHeapStatistics().used_heap_size;
    const stats = counting.profiler.stop()?.statistics ?? [];
    let freed = 0;
    for (const s of stats) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    process.send!({ id: msg.id, cpuUs: cpu.user + cpu.system, allocatedBytes: usedNow - counting.used + freed, gcs: stats.length });
    counting = undefined;
  }
});
