/**
 * Loaded with `--import` into the process under test by bench/stream-memory.ts (which forks it
 * with an IPC channel and --expose-gc). Answers its messages:
 * - `measure`: full GCs, then the process's memory (what stays live, not garbage).
 * - `snapshot`: writes a heap snapshot (in the working directory) and says its file.
 * - `count-start` / `count-stop`: CPU time and bytes allocated on the JS heap between the two
 *   (allocated = heap growth + what every GC in between freed, from v8.GCProfiler): a figure
 *   per request that, unlike wall time, a busy machine barely moves.
 */
import { GCProfiler, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

/**
 * BENCH_MEMORY_ALLOC_PROFILE=FILE: between count-start and count-stop, V8's sampling heap
 * profiler records every allocation, garbage included, by the function that made it (open FILE
 * as a .heapprofile in Chrome's DevTools).
 */
const ALLOC_PROFILE = process.env.BENCH_MEMORY_ALLOC_PROFILE;
let session: Session | undefined;

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
  } else if (msg.cmd === 'snapshot') {
    process.send!({ id: msg.id, file: writeHeapSnapshot() });
  } else if (msg.cmd === 'count-start') {
    const profiler = new GCProfiler();
    profiler.start();
    if (ALLOC_PROFILE) {
      session = new Session();
      session.connect();
      await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    counting = { profiler, cpu: process.cpuUsage(), used: getHeapStatistics().used_heap_size };
    process.send!({ id: msg.id });
  } else if (msg.cmd === 'count-stop' && counting) {
    const cpu = process.cpuUsage(counting.cpu);
    const usedNow = getHeapStatistics().used_heap_size;
    const stats = counting.profiler.stop()?.statistics ?? [];
    let freed = 0;
    for (const s of stats) freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    process.send!({ id: msg.id, cpuUs: cpu.user + cpu.system, systemUs: cpu.system, allocatedBytes: usedNow - counting.used + freed, gcs: stats.length });
    counting = undefined;
    if (session) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(ALLOC_PROFILE!, JSON.stringify(profile));
      session.disconnect();
      session = undefined;
    }
  }
});
