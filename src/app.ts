import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { AppEnv } from './app-env';
import { asGatewayError, errorResponse, GatewayError } from './errors/gateway-error';
import { chatCompletions } from './routes/chat-completions';
import { logs } from './routes/logs';
import { messages } from './routes/messages';
import { models } from './routes/models';
import { sessions } from './routes/sessions';

/** Large enough for a few inline images; bigger bodies are refused before any upstream call. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export const app = new Hono<AppEnv>();

app.use(requestId());
app.use(
  '/v1/*',
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () =>
      errorResponse(
        new GatewayError(413, 'invalid_request_error', `The request body exceeds ${MAX_BODY_BYTES} bytes.`, {
          code: 'request_too_large',
        }),
      ),
  }),
);

app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.route('/v1/chat/completions', chatCompletions);
app.route('/v1/messages', messages);
app.route('/v1/models', models);
app.route('/v1/logs', logs);
app.route('/v1/sessions', sessions);

app.notFound(() =>
  errorResponse(new GatewayError(404, 'not_found_error', 'No such route.', { code: 'route_not_found' })),
);

app.onError((error, c) => {
  const failure = asGatewayError(error);
  if (failure.status >= 500 && !(error instanceof GatewayError))
    console.error(JSON.stringify({ type: 'unhandled', requestId: c.get('requestId'), name: (error as Error)?.name }));
  return errorResponse(failure, { 'x-request-id': c.get('requestId') });
});
