// What `npm start` shows of wrangler dev's output: everything, less the noise a newcomer would report.

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is being stripped.
const ANSI = /\x1b\[[0-9;]*m/g;
const TELEMETRY = /Cloudflare collects anonymous telemetry/;
const BINDINGS = /has access to the following bindings:/;
// The table's header and rows (`env.NAME (…)  Resource  Mode`, continuation lines indented).
const TABLE_ROW = /^(Binding\s|env\.|\s+\S)/;
// workerd's own report of a fetch that found no host; the gateway logs one `upstream_unreachable`
// line per attempt naming the provider and host, so the runtime's stack trace says nothing more.
const UNREACHABLE = /\[ERROR\].*(failed to lookup address information|Connection refused|connect\(\) failed)/i;

/**
 * A line filter for one output stream: `push(line)` returns the lines to print now (possibly none).
 * It drops wrangler's telemetry notice, a bindings table identical to one already printed (wrangler
 * prints it again when its dev registry connects), and workerd's multi-line stack for an upstream
 * that cannot be reached. Blank lines next to something dropped go with it; runs of them become one.
 */
export function devOutputFilter() {
  let blanks = [];
  let table;
  let lastTable;
  let inUnreachable = false;

  /** @param {string} line */
  function push(line) {
    const plain = line.replace(ANSI, '');
    if (inUnreachable) {
      if (plain.trim() === '' || plain.startsWith('  stack:')) return [];
      inUnreachable = false;
    }
    if (table) {
      if (TABLE_ROW.test(plain)) {
        table.push(line);
        return [];
      }
      const block = table;
      table = undefined;
      const text = block.map((row) => row.replace(ANSI, '')).join('\n');
      const shown = text === lastTable ? [] : block;
      lastTable = text;
      // The blank line that closes a table goes with it; anything else is a line of its own.
      return plain.trim() === '' ? (shown.length ? [...shown, line] : []) : [...shown, ...push(line)];
    }
    if (plain.trim() === '') {
      // wrangler follows each warning with two blank lines; one is enough to separate them.
      if (blanks.length === 0) blanks.push(line);
      return [];
    }
    if (TELEMETRY.test(plain)) return drop();
    if (UNREACHABLE.test(plain)) {
      inUnreachable = true;
      return drop();
    }
    const out = [...blanks];
    blanks = [];
    if (BINDINGS.test(plain)) {
      table = [line];
      return out;
    }
    return [...out, line];
  }

  function drop() {
    blanks = [];
    return [];
  }

  /** What is still held when the stream ends. */
  function end() {
    const out = [...blanks, ...(table ?? [])];
    blanks = [];
    table = undefined;
    return out;
  }

  return { push, end };
}

/** Pipes `input` to `output` line by line through a fresh filter. */
export function pipeFiltered(input, output) {
  const filter = devOutputFilter();
  let partial = '';
  input.setEncoding('utf8');
  input.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const kept of filter.push(line)) output.write(`${kept}\n`);
  });
  input.on('end', () => {
    for (const kept of filter.end()) output.write(`${kept}\n`);
    if (partial) output.write(partial);
  });
}
