/**
 * Renders the live UI with a sample snapshot for about two seconds, updating it like the
 * controller does, then closes it and leaves the last frame on screen. Used to capture
 * `docs/ui-frame.txt` under tmux (see docs/ui.md):
 *
 *   npx tsx test/ui/demo-frame.tsx [--saturated] [--stopping]
 */
import { startLiveUi } from '../../src/ui/index.js';
import type { LiveSnapshot } from '../../src/ui/model.js';
import { sampleHistory, sampleSnapshot, saturatedHealth } from './fixtures.js';

const saturated = process.argv.includes('--saturated');
const stopping = process.argv.includes('--stopping');

let quit = false;
const ui = startLiveUi({
  onQuit: () => {
    quit = true;
  },
});

const start = 40;
let tick = 0;
const frame = (): LiveSnapshot => {
  const base = sampleSnapshot();
  const elapsedS = start + tick;
  return sampleSnapshot({
    elapsedS,
    neo: base.neo === null ? null : { ...base.neo, p99History: sampleHistory(elapsedS), accepted: 41_230 + tick * 1_100 },
    ...(saturated
      ? { health: saturatedHealth(['worker 1 event-loop p99 86.4 ms > 50 ms', 'kernel UDP drops 1532 in the last second']) }
      : {}),
    stopping: stopping || quit,
  });
};

ui.update(frame());
const timer = setInterval(() => {
  tick += 1;
  ui.update(frame());
}, 500);

setTimeout(() => {
  clearInterval(timer);
  void ui.close();
}, 2_000);
