import { invalidRequest } from '../errors/gateway-error';

/** The body as JSON, or a 400 `invalid_json`: every route reads its body through here. */
export async function readJson(body: Pick<Request, 'json'>): Promise<unknown> {
  try {
    return await body.json();
  } catch {
    throw invalidRequest('The request body must be valid JSON.', null, 'invalid_json');
  }
}
