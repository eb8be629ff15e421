/**
 * The embedded zero-config default: the usual local servers on their usual ports. Each one
 * lists whatever models it reports; a server that is not running is simply absent.
 */
export const DEFAULT_CONFIG_TEXT = `{
  server: { host: "127.0.0.1", port: 4000 },
  models: {
    mode: "merge",
    providers: {
      lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", apiKey: "lmstudio", api: "openai-responses", models: [] },
      ollama:   { baseUrl: "http://127.0.0.1:11434/v1", apiKey: "ollama-local", models: [] },
      vllm:     { baseUrl: "http://127.0.0.1:8000/v1", models: [] },
      llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", models: [] },
    },
  },
}
`;
