/**
 * The configuration file's shape, OpenClaw-style. Imports nothing but zod so that every
 * other module (and `lmrelay check`) can share it.
 */
import { z } from 'zod';

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
  compat: compatSchema.optional(),
});

export const apiSchema = z.enum(['openai-completions', 'openai-responses', 'anthropic-messages']);

export const providerSchema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().optional(),
  api: apiSchema.default('openai-completions'),
  /** Bounds the whole model call: connect, headers, body streaming. */
  timeoutSeconds: positiveSeconds.optional(),
  connectTimeoutSeconds: positiveSeconds.optional(),
  /** Time to the first streamed chunk (cold model loads). */
  firstTokenTimeoutSeconds: positiveSeconds.optional(),
  /** Longest gap between two chunks of a body. */
  idleTimeoutSeconds: positiveSeconds.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  request: z.strictObject({ allowPrivateNetwork: z.boolean().optional() }).optional(),
  /** Ask the server for its models (`GET /models`) for `/v1/models`; default: when `models` is empty. */
  discover: z.boolean().optional(),
  models: z.array(modelSchema).default([]),
});

export const modelSettingsSchema = z.strictObject({
  alias: z.string().min(1).optional(),
  /** Merged into every request to this model; `extra_body` last. */
  params: z.record(z.string(), z.unknown()).optional(),
  fallbacks: z.array(z.string()).optional(),
  /** Drop heavyweight tools (agents.defaults.experimental.leanDropTools) for this model. */
  localModelLean: z.boolean().optional(),
});

/** An inbound key: a plain string, or with a name and per-minute budgets (requests, tokens). */
export const apiKeySchema = z.union([
  z.string().min(1),
  z.strictObject({
    key: z.string().min(1),
    name: z.string().min(1).optional(),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
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
  shutdownGraceSeconds: z.number().nonnegative().default(30),
  /** How often /readyz?deep probes the primary's chain. */
  readinessProbeSeconds: z.number().positive().default(15),
  /** Put GET /metrics behind server.apiKeys too. */
  metricsRequireAuth: z.boolean().default(false),
});

export const stateSchema = z.strictObject({
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
      keyPrefix: z.string().default('lmrelay:'),
      /** Past this a Redis call counts as failed and local state is used. */
      commandTimeoutMs: z.number().int().positive().default(150),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  server: serverSchema.default(serverSchema.parse({})),
  state: stateSchema.default({}),
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
            .default({ fallbacks: [] }),
          models: z.record(z.string(), modelSettingsSchema).default({}),
          /** Context windows below refuseBelow are refused (0: never), below warnBelow warned about. */
          contextGuard: z
            .strictObject({
              refuseBelow: z.number().int().nonnegative().optional(),
              warnBelow: z.number().int().nonnegative().optional(),
            })
            .optional(),
          experimental: z
            .strictObject({
              localModelLean: z.boolean().optional(),
              leanDropTools: z.array(z.string()).optional(),
            })
            .optional(),
        })
        .default({ model: { fallbacks: [] }, models: {} }),
    })
    .default({ defaults: { model: { fallbacks: [] }, models: {} } }),
});

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type ModelSettings = z.infer<typeof modelSettingsSchema>;
export type Compat = z.infer<typeof compatSchema>;
export type Api = z.infer<typeof apiSchema>;
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;
