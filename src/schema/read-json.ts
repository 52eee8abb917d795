import { invalidRequest } from '../errors/gateway-error';

/** The body as JSON, or a 400 `invalid_json`: every route reads its body through here. */
export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw invalidRequest('The request body must be valid JSON.', null, 'invalid_json');
  }
}
