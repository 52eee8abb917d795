import { Hono } from 'hono';
import type { AppEnv } from './app-env';
import { gatewayAuth } from './auth/gateway-auth';
import { asGatewayError, errorResponse, GatewayError } from './errors/gateway-error';
import { configuredCors, requestBodyLimit } from './middleware/limits';
import { requestIds } from './middleware/request-ids';
import { writeRefusalLog } from './observe/log-sink';
import { cacheAdmin } from './routes/cache-admin';
import { chatCompletions } from './routes/chat-completions';
import { conversations } from './routes/conversations';
import { logs } from './routes/logs';
import { messages } from './routes/messages';
import { models } from './routes/models';
import { responses } from './routes/responses';
import { sessions } from './routes/sessions';
import { stats } from './routes/stats';
import { usage } from './routes/usage';

export const app = new Hono<AppEnv>();

app.use(requestIds());
app.use('/v1/*', configuredCors(), requestBodyLimit());
for (const path of [
  '/v1/chat/completions',
  '/v1/conversations',
  '/v1/conversations/*',
  '/v1/messages',
  '/v1/messages/*',
  '/v1/models',
  '/v1/responses',
  '/v1/responses/*',
  '/v1/sessions',
  '/v1/sessions/*',
]) {
  app.use(path, gatewayAuth());
}

app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.route('/v1/cache', cacheAdmin);
app.route('/v1/chat/completions', chatCompletions);
app.route('/v1/conversations', conversations);
app.route('/v1/messages', messages);
app.route('/v1/models', models);
app.route('/v1/responses', responses);
app.route('/v1/logs', logs);
app.route('/v1/sessions', sessions);
app.route('/v1/stats', stats);
app.route('/v1/usage', usage);

app.notFound(() =>
  errorResponse(new GatewayError(404, 'not_found_error', 'No such route.', { code: 'route_not_found' })),
);

app.onError((error, c) => {
  const failure = asGatewayError(error);
  if (failure.status === 401 || failure.status === 403) {
    const request = {
      requestId: c.get('requestId'),
      clientRequestId: c.get('clientRequestId'),
      keyId: c.get('keyId') ?? null,
      route: c.req.path.slice(0, 256),
    };
    writeRefusalLog(request, failure, c.env, (promise) => c.executionCtx.waitUntil(promise));
  }
  if (failure.status >= 500 && !(error instanceof GatewayError))
    console.error(JSON.stringify({ type: 'unhandled', requestId: c.get('requestId'), name: (error as Error)?.name }));
  return errorResponse(failure, { 'x-request-id': c.get('requestId') });
});
