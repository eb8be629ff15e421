/** lmrelay's own histograms write the same Prometheus samples as prom-client's Histogram for the same observations. */
import t from 'tap';
import { Histogram, Registry } from 'prom-client';
import { RelayMetrics, TallyHistogram } from '../../src/metrics.js';

t.test('same text as prom-client, hostile label values included', async (t) => {
  const buckets = [0.1, 1, 10];
  const spec = { name: 'x_seconds', help: 'a help\nwith a \\ backslash', labelNames: ['route', 'provider'] };
  const registry = new Registry();
  const theirs = new Histogram({ ...spec, buckets, registers: [registry] });
  const ours = new TallyHistogram({ ...spec, buckets: [10, 0.1, 1] });
  const seen: Array<[number, string, string]> = [
    [0.05, '/v1/chat/completions', 'vllm'],
    [5, '/v1/chat/completions', 'vllm'],
    [50, '/v1/responses', 'a"b\\c\nd'],
    [1, '/v1/responses', 'a"b\\c\nd'],
  ];
  for (const [value, route, provider] of seen) {
    theirs.observe({ route, provider }, value);
    ours.observe(value, route, provider);
  }
  t.same(samples(ours.exposition()), samples(await registry.metrics()));
  t.equal(ours.exposition().split('\n').slice(0, 2).join('\n'), (await registry.metrics()).split('\n').slice(0, 2).join('\n'), 'the same HELP and TYPE lines');
});

/** Each sample as `name{labels in name order} value` (the order of labels in a line carries no meaning). */
function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels = [...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
      return `${m[1]}{${labels.join(',')}} ${m[3]}`;
    })
    .sort();
}

t.test('/metrics text: the registry, then both histograms', async (t) => {
  const metrics = new RelayMetrics({ processMetrics: false });
  metrics.countRequest('/v1/chat/completions', undefined, 'vllm', 200, 0.2);
  const text = await metrics.exposition();
  t.match(text, /^# HELP lmrelay_requests_total /);
  t.match(text, /\n\n# HELP lmrelay_request_duration_seconds [^\n]+\n# TYPE lmrelay_request_duration_seconds histogram\n/);
  t.match(text, /\n\n# HELP lmrelay_time_to_first_token_seconds [^\n]+\n# TYPE lmrelay_time_to_first_token_seconds histogram\n$/);
  t.match(text, 'lmrelay_request_duration_seconds_count{route="/v1/chat/completions",provider="vllm"} 1\n');
  t.equal(metrics.contentType, Registry.PROMETHEUS_CONTENT_TYPE);
});
