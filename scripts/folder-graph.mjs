// `npm run deps:folders`: the import graph of src/ folded to folders, and every loop between folders.
// (`npx madge --circular --extensions ts src` answers the same question file by file.)
import madge from 'madge';

const folderOf = (file) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '(src)');
const result = await madge('src', { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' });
const edges = new Map();
for (const [file, imports] of Object.entries(result.obj())) {
  for (const imported of imports) {
    const from = folderOf(file);
    const to = folderOf(imported);
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const targets = edges.get(from);
    targets.set(to, [...(targets.get(to) ?? []), `${file} → ${imported}`]);
  }
}
for (const [from, targets] of [...edges].sort()) console.log(`${from} → ${[...targets.keys()].sort().join(', ')}`);
const loops = [];
for (const [from, targets] of edges) {
  for (const to of targets.keys()) {
    if (from < to && edges.get(to)?.has(from)) loops.push([from, to]);
  }
}
console.log(loops.length ? `\n${loops.length} folder loop(s):` : '\nNo loop between folders.');
for (const [a, b] of loops) {
  console.log(`  ${a} ↔ ${b}`);
  for (const edge of [...edges.get(a).get(b), ...edges.get(b).get(a)]) console.log(`    ${edge}`);
}
process.exitCode = loops.length ? 1 : 0;
