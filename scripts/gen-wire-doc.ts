/**
 * Regenerates the message tables in docs/wire.md from the declared schemas, so the document
 * cannot drift from the code (test/wire/envelope.test.ts fails when it has).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createProtocolRegistry } from '../src/catalog.js';
import { describeRegistry } from '../src/wire/index.js';

const START = '<!-- generated:messages:start -->';
const END = '<!-- generated:messages:end -->';
const path = new URL('../docs/wire.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const start = doc.indexOf(START);
const end = doc.indexOf(END);
if (start < 0 || end < start) throw new Error(`docs/wire.md lacks the ${START} … ${END} markers`);
const generated = describeRegistry(createProtocolRegistry().specs);
writeFileSync(path, `${doc.slice(0, start + START.length)}\n\n${generated}\n${doc.slice(end)}`);
console.log(`docs/wire.md: ${createProtocolRegistry().specs.length} message kinds written`);
