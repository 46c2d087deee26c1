/**
 * Import rules (docs/architecture.md, "Layers"), checked by `npm run lint`: no import cycles, and
 * no import against the layer order — cores ← net ← components ← peer ← harness.
 */
const CORES = '^src/(crypto|random|time|metrics|wire)/';
const NET = '^src/net/';
const COMPONENTS = '^src/(neo|game|groups|baselines|auth|dht|attacks|zones|storage|compute)/|^src/catalog\\.ts$';
const PEER = '^src/peer/';
const HARNESS = '^src/(loadtest|scenario|controller|ui|report)/|^src/cli\\.ts$|^workers/';

module.exports = {
  forbidden: [
    // Cycles made only of type imports are erased at compile time and allowed (a module's types in
    // its index, used by a file the index re-exports); a cycle with one value import is not.
    { name: 'no-circular', comment: 'An import cycle: break it by moving the shared piece down a layer.', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    { name: 'cores-stay-below', comment: 'Cores (crypto, random, time, metrics, wire) depend on nothing else in the product.', severity: 'error', from: { path: CORES }, to: { path: [NET, COMPONENTS, PEER, HARNESS] } },
    { name: 'net-below-components', comment: 'The transport knows no component.', severity: 'error', from: { path: NET }, to: { path: [COMPONENTS, PEER, HARNESS] } },
    { name: 'components-below-peer', comment: 'A component never imports the layer that composes a player (src/peer) or the harness (controller, scenario, UI, reports, load-test runners).', severity: 'error', from: { path: COMPONENTS }, to: { path: [PEER, HARNESS] } },
    { name: 'peer-below-harness', comment: 'A player is composed without the harness; hooks are injected.', severity: 'error', from: { path: PEER }, to: { path: HARNESS } },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
