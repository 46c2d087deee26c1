import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on a TypeScript entry file.
 *
 * `new Worker(url, { execArgv: ['--import', 'tsx'] })` does not work on Node 20: a worker ignores
 * `--import` in its execArgv and loader hooks are not inherited from the parent thread
 * (nodejs/node#47747, fixed in Node 22.2), so the worker fails with ERR_UNKNOWN_FILE_EXTENSION.
 * Instead, a tiny eval bootstrap registers tsx's ESM hooks inside the worker, then imports the entry.
 */
const tsxEsmApi = import.meta.resolve('tsx/esm/api');

export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const bootstrap =
    `import(${JSON.stringify(tsxEsmApi)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
