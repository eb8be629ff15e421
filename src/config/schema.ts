/**
 * The configuration file's shape, OpenClaw-style, and every default of it: the parsed config
 * carries each value lmrelay goes by. Imports nothing but zod (and the leaf list of API names) so
 * that every other module (and `lmrelay check`) can share it. zod's `.default(v)` hands back `v`
 * unparsed; `.prefault({})` parses `{}`, so an object left out still gets its fields' defaults.
 */
import { z } from 'zod';
import { API_NAMES } from '../../dialects/names.js';

const positiveSeconds = z.number().positive();

export const compatSchema = z.strictObject({
  /** Flatten content-part arrays to one string (servers that reject arrays). */
  requiresStringContent: z.boolean().optional(),
  /** Drop tools; render earlier tool turns as text. */
  supportsTools: z.boolean().optional(),
  /** `developer` role is not understood: send it as `system`. */
  supportsDeveloperRole: z.boolean().optional(),
  /** Do not send `stream_options`. */
  supportsUsageInStreaming: z.boolean().optional(),
  /** Which field carries the output-token limit. */
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  /** Drop `strict` from function tools. */
  supportsStrictTools: z.boolean().optional(),
  /** Turn `[tool]{json}[END_TOOL_REQUEST]` text into real tool calls (default on). */
  bracketToolCalls: z.boolean().optional(),
  /** The upstream can continue from `previous_response_id` (openai-responses only). */
  supportsPreviousResponseId: z.boolean().optional(),
  /** The chat template writes `<think>`: answers start inside the reasoning, which `</think>` ends. */
  thinkOpenedByTemplate: z.boolean().optional(),
  /** Tool types besides `function` the upstream runs itself (`web_search`, `mcp`, `namespace`, ...): sent as they are. */
  nativeToolTypes: z.array(z.string().min(1)).optional(),
  /** POST /v1/completions goes to llama.cpp's `/infill` (input_prefix/input_suffix) instead of /completions. */
  infill: z.boolean().optional(),
});

export const modelSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  reasoning: z.boolean().optional(),
  input: z.array(z.enum(['text', 'image', 'audio', 'video', 'file'])).optional(),
  cost: z
    .strictObject({
      input: z.number().nonnegative().optional(),
      output: z.number().nonnegative().optional(),
      cacheRead: z.number().nonnegative().optional(),
      cacheWrite: z.number().nonnegative().optional(),
    })
    .optional(),
  contextWindow: z.number().int().positive().optional(),
  maxTokens: z.number().int().positive().optional(),
  /** What the model serves: chat (Chat Completions, Responses, text completions), embeddings or rerank; unset, any of them. */
  kind: z.enum(['chat', 'embedding', 'rerank']).optional(),
  /** This model's time to the first streamed chunk, in place of its provider's (fractions of a second for autocomplete). */
  firstTokenTimeoutSeconds: positiveSeconds.optional(),
  compat: compatSchema.optional(),
});

export const apiSchema = z.enum(API_NAMES);

/** A spending cap in dollars over the current UTC day or calendar month. */
export const budgetSchema = z.strictObject({
  usd: z.number().positive(),
  period: z.enum(['day', 'month']).default('day'),
});

export const providerSchema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().optional(),
  api: apiSchema.default('openai-completions'),
  /** Bounds the whole model call: connect, headers, body streaming. */
  timeoutSeconds: positiveSeconds.default(300),
  /** Capped by timeoutSeconds. */
  connectTimeoutSeconds: positiveSeconds.default(10),
  /** Time to the first streamed chunk (cold model loads); unset: only timeoutSeconds bounds it. */
  firstTokenTimeoutSeconds: positiveSeconds.optional(),
  /** Longest gap between two chunks of a body; unset: only timeoutSeconds bounds it. */
  idleTimeoutSeconds: positiveSeconds.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  request: z.strictObject({ allowPrivateNetwork: z.boolean().optional() }).optional(),
  /**
   * How long an Ollama server keeps a model loaded after a request (`keep_alive`: "10m", "24h",
   * seconds, -1 for ever, 0 to unload at once); unset: the server's own (OLLAMA_KEEP_ALIVE, else 5m).
   * Read by the `ollama` API only.
   */
  keepAlive: z.union([z.string().regex(/^(0|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/, 'expected a duration such as "10m" or "2h30m", or seconds as a number'), z.number()]).optional(),
  /** Ask the server for its models (`GET /models`) for `/v1/models`; default: when `models` is empty. */
  discover: z.boolean().optional(),
  models: z.array(modelSchema).default([]),
  /** What this provider's answers may cost (priced by each model's `cost`); past it, chains skip the provider. */
  budget: budgetSchema.optional(),
});

/** One server of a model with deployments: a provider/model ref, with its share of the load. */
export const deploymentSchema = z.union([
  z.string().min(1),
  z.strictObject({ model: z.string().min(1), weight: z.number().positive().max(1_000_000).default(1) }),
]);

export const modelSettingsSchema = z.strictObject({
  /** Names clients may send for this model: one, or several (Claude Code's main and small model names on one local model). */
  alias: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** Merged into every request to this model; `extra_body` last. */
  params: z.record(z.string(), z.unknown()).optional(),
  fallbacks: z.array(z.string()).optional(),
  /** Drop heavyweight tools (agents.defaults.experimental.leanDropTools) for this model. */
  localModelLean: z.boolean().optional(),
  /**
   * Several servers of one model: the key is then a name of its own (not a provider/model ref),
   * and each request goes to one of these refs, by least outstanding requests per weight.
   */
  deployments: z.array(deploymentSchema).min(1).optional(),
});

/** An inbound key: a plain string, or with a name and per-minute budgets (requests, tokens). */
export const apiKeySchema = z.union([
  z.string().min(1),
  z.strictObject({
    key: z.string().min(1),
    name: z.string().min(1).optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    /** What this key's answers from priced models may cost; past it, only free models serve it. */
    budget: budgetSchema.optional(),
  }),
]);

export const serverSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(4000),
  apiKeys: z.array(apiKeySchema).optional(),
  bodyLimitBytes: z.number().int().positive().default(16 * 1024 * 1024),
  /** Longest time to receive a whole request (headers and body) from a client; answers are not bounded by it. */
  requestTimeoutSeconds: z.number().positive().default(60),
  /** Longest time an answer may sit unread by a client that stopped reading before its connection is closed. */
  clientWriteTimeoutSeconds: z.number().positive().default(30),
  /** Longest life of a Responses WebSocket connection (OpenAI's is 60 minutes); clients then reconnect. */
  websocketConnectionLimitSeconds: z.number().positive().default(3600),
  shutdownGraceSeconds: z.number().nonnegative().default(30),
  /** How often /readyz?deep probes the primary's chain. */
  readinessProbeSeconds: z.number().positive().default(15),
  /** Put GET /metrics behind server.apiKeys too. */
  metricsRequireAuth: z.boolean().default(false),
});

export const redisSchema = z.strictObject({
  url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
  keyPrefix: z.string().default('lmrelay:'),
  /** Past this a Redis call counts as failed and local state is used. */
  commandTimeoutMs: z.number().int().positive().default(150),
});

/** What `state.redis` holds beside its url, for a Redis named by REDIS_URL alone. */
export const REDIS_DEFAULTS: Readonly<Omit<RedisConfig, 'url'>> = Object.freeze(redisSchema.omit({ url: true }).parse({}));

/** A 32-byte key written as base64 (44 characters) or hex (64): what seals compaction items. */
const compactionKey = z.string().refine((k) => /^[A-Za-z0-9+/_-]{43}=?$/.test(k.trim()) || /^[0-9a-fA-F]{64}$/.test(k.trim()), 'expected 32 bytes as base64 (44 characters) or hex (64 characters)');

/** How the summaries of POST /v1/responses/compact are sealed: `key`, else the key kept in `keyFile` (made on first use). */
export const compactionSchema = z.strictObject({
  key: compactionKey.optional(),
  keyFile: z.string().min(1).default('~/.local/state/lmrelay/compaction.key'),
});

/** `state.compaction` when the config leaves `state` out. */
export const COMPACTION_DEFAULTS: Readonly<CompactionConfig> = Object.freeze(compactionSchema.parse({}));

/**
 * Stored responses (`store: true`, the Responses API's default): what `previous_response_id`,
 * `item_reference` and GET /v1/responses/{id} read. Kept in process unless Redis is configured.
 * A day by default: long enough for an agent's session or a day's conversation, short enough that
 * prompts do not linger in a proxy; the byte bound evicts the least recently used sooner.
 */
export const responsesStoreSchema = z.strictObject({
  enabled: z.boolean().default(true),
  ttlSeconds: z.number().int().positive().default(24 * 60 * 60),
  /** Bound of the in-process store (its least recently used responses go first). */
  maxBytes: z.number().int().positive().default(256 * 1024 * 1024),
  /** A response whose record (its whole conversation so far) is larger is not stored. */
  maxEntryBytes: z.number().int().positive().default(8 * 1024 * 1024),
  /** In-process store only: written when lmrelay stops, read when it starts (relative: to its working directory). */
  snapshotFile: z.string().min(1).optional(),
});

export const stateSchema = z.strictObject({
  redis: redisSchema.optional(),
  responses: responsesStoreSchema.prefault({}),
  compaction: compactionSchema.optional(),
  /** Where spend is kept across restarts without Redis; default: lmrelay-spend.json beside the config file. */
  spendFile: z.string().min(1).optional(),
});

/**
 * What lmrelay reports about itself (OpenClaw's `diagnostics.otel` names): OpenTelemetry traces,
 * on when an endpoint is set here or by OTEL_EXPORTER_OTLP_ENDPOINT; and the status page.
 */
export const diagnosticsSchema = z.strictObject({
  otel: z
    .strictObject({
      /** false turns tracing off even when OTEL_EXPORTER_OTLP_ENDPOINT is set; true needs an endpoint. */
      enabled: z.boolean().optional(),
      /** OTLP/HTTP base URL (`/v1/traces` is appended); else OTEL_EXPORTER_OTLP_ENDPOINT. */
      endpoint: z.url({ protocol: /^https?$/ }).optional(),
      /** The full traces URL, as it is; else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
      tracesEndpoint: z.url({ protocol: /^https?$/ }).optional(),
      /** Sent with every export (a collector's key); else OTEL_EXPORTER_OTLP_HEADERS. */
      headers: z.record(z.string(), z.string()).optional(),
      /** Else OTEL_SERVICE_NAME, else `lmrelay`. */
      serviceName: z.string().min(1).optional(),
      /** Share of traces kept when the client sent no sampled parent (0 to 1). */
      sampleRate: z.number().min(0).max(1).default(1),
      /** How often spans are sent in batches. */
      flushIntervalMs: z.number().int().positive().default(5000),
      /** Record prompts and answers in spans (gen_ai.input.messages, ...): off, they are never recorded. */
      captureContent: z.boolean().default(false),
    })
    .prefault({}),
  /** The live status page at /ui, behind the same keys as /metrics. */
  statusPage: z.boolean().default(true),
});

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  state: stateSchema.prefault({}),
  diagnostics: diagnosticsSchema.prefault({}),
  models: z
    .strictObject({
      mode: z.enum(['merge', 'replace']).default('merge'),
      providers: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'provider ids may hold letters, digits, _ . -'), providerSchema).default({}),
    })
    .default({ mode: 'merge', providers: {} }),
  agents: z
    .strictObject({
      defaults: z
        .strictObject({
          model: z
            .strictObject({
              primary: z.string().optional(),
              fallbacks: z.array(z.string()).default([]),
            })
            .prefault({}),
          /** The chain of /v1/embeddings; unset, the models of `kind: "embedding"` in config order. */
          embeddingModel: z
            .strictObject({
              primary: z.string().optional(),
              fallbacks: z.array(z.string()).optional(),
            })
            .optional(),
          /** The chain of /v1/rerank; unset, the models of `kind: "rerank"` in config order. */
          rerankModel: z
            .strictObject({
              primary: z.string().optional(),
              fallbacks: z.array(z.string()).optional(),
            })
            .optional(),
          models: z.record(z.string(), modelSettingsSchema).default({}),
          /** Context windows below refuseBelow are refused (0: never), below warnBelow warned about. */
          /** Agents' prompts do not fit below 16k; below 32k they soon will not. */
          contextGuard: z
            .strictObject({
              refuseBelow: z.number().int().nonnegative().default(16_000),
              warnBelow: z.number().int().nonnegative().default(32_000),
            })
            .prefault({}),
          experimental: z
            .strictObject({
              /** Drop leanDropTools for every model (else per model: models[ref].localModelLean). */
              localModelLean: z.boolean().default(false),
              /** Heavyweight tools a small local model cannot use well. */
              leanDropTools: z.array(z.string()).default(['browser', 'cron', 'message']),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type ModelSettings = z.infer<typeof modelSettingsSchema>;
export type Compat = z.infer<typeof compatSchema>;
export type Api = z.infer<typeof apiSchema>;
export type ModelKind = NonNullable<ModelConfig['kind']>;
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;
export type RedisConfig = z.infer<typeof redisSchema>;
export type CompactionConfig = z.infer<typeof compactionSchema>;
export type ResponsesStoreConfig = z.infer<typeof responsesStoreSchema>;
export type OtelConfig = z.infer<typeof diagnosticsSchema>['otel'];
export type ContextGuard = Config['agents']['defaults']['contextGuard'];
export type Budget = z.infer<typeof budgetSchema>;
export type ModelCost = NonNullable<ModelConfig['cost']>;
