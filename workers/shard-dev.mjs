// Development entry for the shard worker when the controller runs from TypeScript sources (tests,
// tsx): Node 20 does not pass loaders to worker threads, so tsx is registered here, inside the
// worker, before the TypeScript module is imported. Built runs load dist/workers/shard.js instead.
import { register } from 'tsx/esm/api';

register();
const shard = await import('./shard.ts');
export default shard.default;
