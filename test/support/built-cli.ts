import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const root = new URL('../../', import.meta.url).pathname;
export const builtCli = join(root, 'dist/src/cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The built CLI is what users run; rebuild it when a source file is newer (npm ci builds it in CI). */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(builtCli).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'workers')))) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  }
}

export interface SpawnedCli {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** The first line the process printed. */
  readonly firstLine: Promise<string>;
  /** Everything printed on stdout and stderr so far. */
  readonly output: { stdout: string; stderr: string };
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  readonly exited: Promise<number | string>;
}

export function spawnCli(args: readonly string[]): SpawnedCli {
  const child = spawn(process.execPath, [builtCli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (output.stderr += s));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    void exited.then((code) => reject(new Error(`exited (${code}) before printing a line: ${output.stderr}`)));
  });
  // A process expected to fail may never be asked for its first line.
  firstLine.catch(() => {});
  lines.on('line', (line) => (output.stdout += `${line}\n`));
  return { child, firstLine, output, exited };
}
