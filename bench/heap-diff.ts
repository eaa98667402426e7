// `tsx bench/heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot> [--top 25]`
// Compares two V8 heap snapshots of the same process (e.g. from `npm run soak -- --heap-snapshots 3,9`):
// count and self size per constructor (Chrome DevTools' "Summary" grouping) in each, the top growers,
// and what the later snapshot holds that the earlier did not (object ids are stable within a process, so a
// node whose id the earlier snapshot lacks was allocated after it and is still alive).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  selfBytes: number;
}

/** Groups as DevTools does: objects, closures and native objects by name, everything else by its type. */
function groupName(type: string, name: string): string {
  if (type === 'object' || type === 'closure' || type === 'native' || type === 'regexp')
    return type === 'closure' ? `${name || '(anonymous)'}()` : name;
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return '(string)';
  if (type === 'code') return '(compiled code)';
  if (type === 'hidden' || type === 'object shape') return '(system)';
  return `(${type})`;
}

function load(path: string) {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const types = data.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, idAt, sizeAt] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
    number,
  ];
  const nodes: { group: string; id: number; size: number }[] = [];
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = types[data.nodes[i + typeAt]!] ?? 'unknown';
    nodes.push({
      group: groupName(type, data.strings[data.nodes[i + nameAt]!] ?? ''),
      id: data.nodes[i + idAt]!,
      size: data.nodes[i + sizeAt]!,
    });
  }
  return nodes;
}

function summarise(nodes: { group: string; size: number }[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const n of nodes) {
    const g = groups.get(n.group) ?? { count: 0, selfBytes: 0 };
    g.count++;
    g.selfBytes += n.size;
    groups.set(n.group, g);
  }
  return groups;
}

/** The comparison as data: totals, top growers by self size, and the survivors allocated in between. */
export function diffHeapSnapshots(earlierPath: string, laterPath: string, top = 25) {
  const earlier = load(earlierPath);
  const later = load(laterPath);
  const before = summarise(earlier);
  const after = summarise(later);
  const earlierIds = new Set(earlier.map((n) => n.id));
  const newerNodes = later.filter((n) => !earlierIds.has(n.id));
  const newer = summarise(newerNodes);
  const total = (nodes: { size: number }[]) => nodes.reduce((s, n) => s + n.size, 0);
  const mb = (bytes: number) => Math.round(bytes / 10_485.76) / 100;
  const growers = [...new Set([...before.keys(), ...after.keys()])]
    .map((group) => {
      const a = before.get(group) ?? { count: 0, selfBytes: 0 };
      const b = after.get(group) ?? { count: 0, selfBytes: 0 };
      return {
        group,
        countBefore: a.count,
        countAfter: b.count,
        countDelta: b.count - a.count,
        selfMbBefore: mb(a.selfBytes),
        selfMbAfter: mb(b.selfBytes),
        selfMbDelta: mb(b.selfBytes - a.selfBytes),
      };
    })
    .sort((x, y) => y.selfMbDelta - x.selfMbDelta || y.countDelta - x.countDelta)
    .slice(0, top);
  const survivors = [...newer.entries()]
    .map(([group, g]) => ({ group, count: g.count, selfMb: mb(g.selfBytes) }))
    .sort((x, y) => y.selfMb - x.selfMb)
    .slice(0, top);
  return {
    totalsMb: { before: mb(total(earlier)), after: mb(total(later)) },
    nodes: { before: earlier.length, after: later.length },
    newerThanEarlier: {
      count: newerNodes.length,
      selfMb: mb(total([...newer.values()].map((g) => ({ size: g.selfBytes })))),
    },
    growers,
    survivors,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, json: { type: 'boolean', default: false } },
  });
  const [earlierPath, laterPath] = positionals;
  if (!earlierPath || !laterPath) {
    process.stderr.write(
      'usage: tsx bench/heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot> [--top 25] [--json]\n',
    );
    process.exit(1);
  }
  const diff = diffHeapSnapshots(earlierPath, laterPath, Number(values.top));
  if (values.json) process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
  else {
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(
      `self size ${diff.totalsMb.before} → ${diff.totalsMb.after} MB, ${diff.nodes.before} → ${diff.nodes.after} nodes`,
    );
    out(`\ntop growers (self size):`);
    out(
      `${'constructor'.padEnd(48)} ${'count before → after'.padStart(24)} ${'MB before → after'.padStart(20)} ${'Δ MB'.padStart(8)}`,
    );
    for (const g of diff.growers)
      out(
        `${g.group.slice(0, 48).padEnd(48)} ${`${g.countBefore} → ${g.countAfter}`.padStart(24)} ${`${g.selfMbBefore} → ${g.selfMbAfter}`.padStart(20)} ${String(g.selfMbDelta).padStart(8)}`,
      );
    out(
      `\nallocated after the earlier snapshot and still alive: ${diff.newerThanEarlier.count} nodes, ${diff.newerThanEarlier.selfMb} MB`,
    );
    for (const s of diff.survivors)
      out(`${s.group.slice(0, 48).padEnd(48)} ${String(s.count).padStart(10)} ${String(s.selfMb).padStart(10)} MB`);
  }
}
