/**
 * Models with `deployments` (agents.defaults.models["name"].deployments), worked out at config
 * load: each is a name of its own whose requests go to one of several provider/model refs.
 * Its ModelTarget stands in for the first deployment where one target is needed (kind, context
 * window); its chain starts with every deployment, which the balancer reorders per request.
 */
import type { ModelKind, ModelSettings } from '../config/schema.js';
import { nearestKey } from '../config/suggest.js';

/** What this module reads of a model target (the catalog's ModelTarget, which imports this module). */
interface Target {
  ref: string;
  kind?: ModelKind;
}

export interface Deployment<T extends Target = Target> {
  target: T;
  weight: number;
}

/** What the catalog lends the group builder. */
export interface GroupHost<T extends Target> {
  /** The target a provider/model ref names (made when its provider accepts any id), else undefined. */
  targetOf(ref: string): T | undefined;
  /** Whether a model of a provider's `models` list (or a settings entry) has this ref. */
  isConfiguredRef(ref: string): boolean;
  /** Every configured provider/model ref, for "did you mean". */
  refs(): string[];
  providerIds(): string[];
  /** The ref an alias names, if it is one. */
  aliasOf(name: string): string | undefined;
}

export function isGroupSettings(settings: ModelSettings | undefined): boolean {
  return settings?.deployments !== undefined;
}

/**
 * The deployments of one group, checked: each must be a provider/model ref lmrelay knows, not
 * the group itself nor another group (no nesting, so no cycles), listed once. Problems are
 * pushed with their config path; undefined when the group cannot be built.
 */
export function resolveDeployments<T extends Target>(
  name: string,
  settings: ModelSettings,
  groups: ReadonlySet<string>,
  host: GroupHost<T>,
  problems: string[],
): Deployment<T>[] | undefined {
  const where = `agents.defaults.models["${name}"]`;
  const before = problems.length;
  const slash = name.indexOf('/');
  if (host.isConfiguredRef(name)) {
    problems.push(`${where}.deployments: "${name}" is a provider/model ref; a model with deployments takes a name of its own (e.g. "${name.slice(slash + 1)}") and lists ${name} among its deployments`);
  } else if (slash > 0 && host.providerIds().includes(name.slice(0, slash))) {
    problems.push(`${where}.deployments: "${name}" reads as a model of provider "${name.slice(0, slash)}"; give the model with deployments a name that does not start with a provider id`);
  }
  const aliased = host.aliasOf(name);
  if (aliased !== undefined) problems.push(`${where}: "${name}" is already an alias of ${aliased}`);
  for (const key of ['params', 'localModelLean'] as const) {
    if (settings[key] !== undefined) problems.push(`${where}.${key}: a model with deployments takes no ${key}; set it on each deployment's own entry (agents.defaults.models["provider/model"])`);
  }
  const deployments: Deployment<T>[] = [];
  const seen = new Set<string>();
  settings.deployments!.forEach((entry, i) => {
    const ref = typeof entry === 'string' ? entry : entry.model;
    const weight = typeof entry === 'string' ? 1 : entry.weight;
    const at = `${where}.deployments[${i}]`;
    if (ref === name) return void problems.push(`${at}: "${ref}" is the model itself; list the provider/model refs that serve it`);
    if (groups.has(ref)) return void problems.push(`${at}: "${ref}" is itself a model with deployments; list provider/model refs (deployments do not nest)`);
    const target = host.targetOf(ref);
    if (!target) return void problems.push(`${at}: "${ref}" is not a configured provider/model ref${suggestion(ref, host)}`);
    if (seen.has(target.ref)) return void problems.push(`${at}: "${ref}" is listed twice`);
    seen.add(target.ref);
    deployments.push({ target, weight });
  });
  const kinds = new Set(deployments.map((d) => d.target.kind).filter((k) => k !== undefined));
  if (kinds.size > 1) problems.push(`${where}.deployments: mixes models of kind "chat" and "embedding"; one model's deployments serve the same requests`);
  return problems.length === before ? deployments : undefined;
}

function suggestion<T extends Target>(ref: string, host: GroupHost<T>): string {
  const near = nearestKey(ref, host.refs());
  if (near) return ` (did you mean "${near}"?)`;
  const slash = ref.indexOf('/');
  if (slash <= 0) return ' (write provider/model-id)';
  const provider = ref.slice(0, slash);
  if (!host.providerIds().includes(provider)) {
    const nearProvider = nearestKey(provider, host.providerIds());
    return nearProvider ? ` (no provider "${provider}"; did you mean "${nearProvider}"?)` : ` (no provider "${provider}")`;
  }
  return ` (not among models.providers.${provider}.models)`;
}
