/**
 * The balancer's metrics, read from its counts at scrape time (nothing is done per request):
 * outstanding requests per deployment ref, and picks per model and deployment. Labels are
 * configured refs only.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Balancer } from './balancer.js';

export function registerBalancerMetrics(registry: Registry, balancer: Balancer): void {
  new Gauge({
    name: 'lmrelay_deployment_outstanding',
    help: 'Requests in flight from this process to each deployment of the models with deployments',
    labelNames: ['deployment'] as const,
    registers: [registry],
    collect(): void {
      this.reset();
      for (const [deployment, slot] of balancer.outstanding()) this.set({ deployment }, slot.outstanding);
    },
  });
  new Counter({
    name: 'lmrelay_deployment_picks_total',
    help: 'Deployments picked first for a request to a model with deployments: by load and weight (balanced) or to keep a conversation where it was (sticky)',
    labelNames: ['model', 'deployment', 'reason'] as const,
    registers: [registry],
    collect(): void {
      this.reset();
      for (const p of balancer.picks()) {
        this.inc({ model: p.group, deployment: p.deployment, reason: 'balanced' }, p.balanced);
        this.inc({ model: p.group, deployment: p.deployment, reason: 'sticky' }, p.sticky);
      }
    },
  });
}
