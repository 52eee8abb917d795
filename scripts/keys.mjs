// `npm run keys -- <command>`: gateway keys, kept in D1 as SHA-256 hashes. Local by default
// (the database `npm start` uses); add --remote for the deployed gateway. `--env NAME` picks the
// wrangler environment (default `dev` locally, `production` with --remote; `--env ""` is the top
// level, what plain `wrangler dev` runs) and `--persist-to DIR` a local state other than .wrangler/state.
//
//   create --name NAME [--models sim/*,groq/*] [--rpm N] [--concurrency N] [--expires 30d|2027-01-01]
//          [--budget-usd 5 [--budget-period day|month]]      (a budget's period is a month unless told)
//   update KEY_ID [--rpm N|none] [--concurrency N|none] [--budget-usd X|none] [--budget-period day|month]
//   list
//   revoke KEY_ID
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    models: { type: 'string' },
    rpm: { type: 'string' },
    concurrency: { type: 'string' },
    expires: { type: 'string' },
    'budget-usd': { type: 'string' },
    'budget-period': { type: 'string' },
    remote: { type: 'boolean', default: false },
    env: { type: 'string' },
    'persist-to': { type: 'string' },
  },
});

function fail(message) {
  console.error(`keys: ${message}`);
  process.exit(2);
}

const sqlString = (value) => (value === null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`);
const positiveInt = (name, value) => {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer`);
  return n;
};

/** For `update`: `none` lifts the limit (NULL), absent leaves it as it is (undefined). */
const orNone = (value, parse) => {
  if (value === undefined) return undefined;
  return value === 'none' ? null : parse(value);
};

// A budget is counted in nano-dollars by the key's limiter: a cent's fraction is fine, a
// trillion dollars is not a budget.
function budgetUsd(value) {
  if (value === undefined) return null;
  const usd = Number(value);
  if (!Number.isFinite(usd) || usd <= 0 || usd > 1e6)
    fail('--budget-usd must be a positive amount of USD up to 1000000');
  return usd;
}

function budgetPeriod(value) {
  if (value === undefined) return null;
  if (value !== 'day' && value !== 'month') fail('--budget-period must be day or month');
  return value;
}

function expiry(value) {
  if (value === undefined) return null;
  const days = /^(\d+)d$/.exec(value);
  const at = days ? Date.now() + Number(days[1]) * 86_400_000 : Date.parse(value);
  if (!Number.isFinite(at) || at <= Date.now()) fail('--expires must be like 30d or a future date');
  return at;
}

function d1(sql) {
  const env = `--env=${opts.env ?? (opts.remote ? 'production' : 'dev')}`;
  if (opts.remote && opts['persist-to']) fail('--persist-to is for local state; drop it or --remote');
  const persist = opts['persist-to'] ? ['--persist-to', opts['persist-to']] : [];
  const target = opts.remote ? ['--remote', env] : ['--local', env, ...persist];
  const result = spawnSync('wrangler', ['d1', 'execute', 'infe', ...target, '--json', '--command', sql], {
    encoding: 'utf8',
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' },
  });
  if (result.status !== 0) fail(`wrangler d1 execute failed:\n${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout)[0]?.results ?? [];
}

const [command, arg] = positionals;
if (command === 'create') {
  if (!opts.name) fail('create needs --name');
  const key = `sk-infe-${randomBytes(32).toString('base64url')}`;
  const id = `key_${randomBytes(9).toString('base64url')}`;
  const hash = createHash('sha256').update(key).digest('hex');
  const models = opts.models ? JSON.stringify(opts.models.split(',').map((m) => m.trim())) : null;
  const budget = budgetUsd(opts['budget-usd']);
  if (budget === null && opts['budget-period'] !== undefined) fail('--budget-period needs --budget-usd');
  const period = budget === null ? null : (budgetPeriod(opts['budget-period']) ?? 'month');
  d1(
    `INSERT INTO api_keys (id, name, hash, models, rpm, concurrency, budget_usd, budget_period, expires_at, created_at) VALUES (${[
      sqlString(id),
      sqlString(opts.name),
      sqlString(hash),
      sqlString(models),
      positiveInt('rpm', opts.rpm) ?? 'NULL',
      positiveInt('concurrency', opts.concurrency) ?? 'NULL',
      budget ?? 'NULL',
      sqlString(period),
      expiry(opts.expires) ?? 'NULL',
      Date.now(),
    ].join(', ')})`,
  );
  console.log(`created ${id} (${opts.name}). The key is shown only now; store it safely:\n${key}`);
} else if (command === 'update') {
  if (!arg) fail('update needs a key id');
  const sets = [];
  const set = (column, value) => value !== undefined && sets.push(`${column} = ${value === null ? 'NULL' : value}`);
  set(
    'rpm',
    orNone(opts.rpm, (v) => positiveInt('rpm', v)),
  );
  set(
    'concurrency',
    orNone(opts.concurrency, (v) => positiveInt('concurrency', v)),
  );
  const budget = orNone(opts['budget-usd'], budgetUsd);
  set('budget_usd', budget);
  const period = opts['budget-period'] === undefined ? undefined : sqlString(budgetPeriod(opts['budget-period']));
  // Lifting the budget lifts its period; a budget set without one keeps the key's own, else monthly.
  if (budget === null) set('budget_period', null);
  else if (period !== undefined) set('budget_period', period);
  else if (budget !== undefined) set('budget_period', "COALESCE(budget_period, 'month')");
  if (sets.length === 0) fail('update needs --rpm, --concurrency, --budget-usd or --budget-period');
  const updated = d1(`UPDATE api_keys SET ${sets.join(', ')} WHERE id = ${sqlString(arg)} RETURNING id`);
  if (updated.length === 0) fail(`no key ${arg}`);
  console.log(`updated ${arg} (every isolate applies it within 30 s)`);
} else if (command === 'list') {
  const rows = d1(
    'SELECT id, name, models, rpm, concurrency, budget_usd, budget_period, expires_at, created_at, revoked_at FROM api_keys ORDER BY created_at',
  );
  console.table(
    rows.map((r) => ({
      id: r.id,
      name: r.name,
      models: r.models ?? '*',
      rpm: r.rpm ?? '-',
      concurrency: r.concurrency ?? '-',
      budget: r.budget_usd === null ? '-' : `$${r.budget_usd}/${r.budget_period ?? 'month'}`,
      expires: r.expires_at ? new Date(r.expires_at).toISOString() : '-',
      revoked: r.revoked_at ? new Date(r.revoked_at).toISOString() : '-',
    })),
  );
} else if (command === 'revoke') {
  if (!arg) fail('revoke needs a key id');
  const revoked = d1(
    `UPDATE api_keys SET revoked_at = ${Date.now()} WHERE id = ${sqlString(arg)} AND revoked_at IS NULL RETURNING id`,
  );
  if (revoked.length === 0) {
    const known = d1(`SELECT revoked_at FROM api_keys WHERE id = ${sqlString(arg)}`);
    fail(known.length === 0 ? `no key ${arg}` : `${arg} was already revoked`);
  }
  console.log(`revoked ${arg} (every isolate stops accepting it within 30 s)`);
} else {
  fail(
    'usage: npm run keys -- create --name NAME [--models a,b] [--rpm N] [--concurrency N] [--expires 30d] [--budget-usd X [--budget-period day|month]] | update KEY_ID [--rpm N|none] [--concurrency N|none] [--budget-usd X|none] [--budget-period day|month] | list | revoke KEY_ID  [--remote] [--env NAME] [--persist-to DIR]',
  );
}
