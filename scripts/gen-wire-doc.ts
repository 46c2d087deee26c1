/**
 * Regenerates the message and record tables in docs/wire.md from the declared schemas, so the
 * document cannot drift from the code (test/wire/envelope.test.ts fails when it has).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ALL_RECORDS, createProtocolRegistry } from '../src/catalog.js';
import { describeRecord, describeRegistry } from '../src/wire/index.js';

const path = new URL('../docs/wire.md', import.meta.url);
let doc = readFileSync(path, 'utf8');

function replaceSection(name: string, generated: string): void {
  const start = `<!-- generated:${name}:start -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/wire.md lacks the ${start} … ${end} markers`);
  doc = `${doc.slice(0, from + start.length)}\n\n${generated}\n${doc.slice(to)}`;
}

replaceSection('messages', describeRegistry(createProtocolRegistry().specs));
replaceSection('records', ALL_RECORDS.map(describeRecord).join('\n'));
writeFileSync(path, doc);
console.log(`docs/wire.md: ${createProtocolRegistry().specs.length} message kinds and ${ALL_RECORDS.length} records written`);
