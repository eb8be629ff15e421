/** Checks a request body and answers the first problem as an OpenAI 400 naming the field. */
import { RelayError } from '../../core/errors.js';
import { formatPath } from '../config/path.js';
import type { RequestSchema } from './compiled-schema.js';

export function validateBody<T>(schema: RequestSchema<T>, body: unknown): T {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RelayError('request body must be a JSON object', { code: 'invalid_request_body' });
  }
  if (schema.accepts(body)) return body as T;
  // Only a body the compiled check refused pays for zod, which names the problem.
  const result = schema.zod.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = formatPath(issue.path);
  const message = issue.message.replace(/^Invalid input: /, '');
  throw new RelayError(`${param}: ${message}`, { code: issue.code === 'invalid_value' ? 'invalid_value' : 'invalid_type', param });
}
