/**
 * Whose compaction items a request may open: with inbound keys configured, the items sealed
 * under the key it presented (its SHA-256, as the auth check has already accepted it); else
 * everyone's. A renamed or reordered key keeps its items; a replaced key loses them.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import { COMPACTION_DEFAULTS } from '../config/schema.js';
import { presentedKey } from '../auth.js';
import { compactionKey } from './key.js';
import type { SealScope } from './seal.js';

export function compactionSealFor(config: Readonly<Config>, request: FastifyRequest): SealScope {
  const key = compactionKey(config.state.compaction ?? COMPACTION_DEFAULTS);
  const given = config.server.apiKeys?.length ? presentedKey(request) : undefined;
  return { key, scope: given ? createHash('sha256').update(given).digest('hex') : '' };
}
