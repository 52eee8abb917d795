// Manual/benchmark entry: `node --experimental-strip-types test/fake-provider/cli.ts [port]`.
import { startFakeProvider } from './server.ts';

const arg = process.argv[2];
const port = arg === undefined ? 0 : Number(arg);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: cli.ts [port]  (got "${arg}")`);
  process.exit(2);
}

const provider = await startFakeProvider(port);
// Plain URL on stdout so scripts can capture it; everything else goes to stderr.
console.log(provider.url);
console.error(
  `fake-provider listening; POST ${provider.url}/v1/chat/completions or /v1/messages with model "fake;tokens=5;gap=10"`,
);

const shutdown = (): void => {
  provider.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
