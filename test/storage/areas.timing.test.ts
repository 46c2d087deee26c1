import { afterEach, describe, expect, it } from 'vitest';
import { recordKey } from '../../src/dht/index.js';
import { areaPolicy, areaSubject, createAreaStore, generateArea, type AreaStore, type AreaTemplate } from '../../src/storage/index.js';
import { systemClock } from '../../src/time/clock.js';
import { crash, startNetwork, type Member, type TestNetwork } from '../dht/network.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

const HOUR = 3_600_000;
const template: AreaTemplate = { seed: 'areas-timing', areaTiles: 16, items: 4, monsters: 2 };
const zoneRect = { x: 0, y: 0, width: 64, height: 64 };
const area = { zone: 'field', ax: 1, ay: 2 };

async function network(seed: string): Promise<TestNetwork> {
  // Holders never republish within the test: what a crash takes stays lost until a reset writes it.
  const net = await startNetwork(12, { seed, policies: { 'zone-data': areaPolicy() }, config: { k: 4, requestTimeoutMs: 400, refreshIntervalMs: HOUR, republishIntervalMs: HOUR } });
  cleanup.push(() => net.close());
  return net;
}

const storeOf = (m: Member): AreaStore => createAreaStore({ replicas: 2 }, { dht: m.dht, signer: m.peer.signer, clock: systemClock });

/**
 * Ephemeral zone data on real sockets and a real DHT (docs/storage.md, "Ephemeral zone data"):
 * what players take is written back and read by the next visitor; with few copies, crashes can
 * lose it, and the next reset brings the area back as the template regenerates it.
 */
describe('areas of ephemeral zone data', () => {
  it('a change is read by the next visitor; lost with its holders; restored by the reset', async () => {
    const net = await network('areas-reset');
    const live = [...net.members];
    const [first, second] = live as [Member, Member];
    const epoch0 = generateArea(template, zoneRect, area, 0);
    // Nothing written yet: a fetch finds nothing, and the first visitor writes the regenerated area.
    expect((await storeOf(second).fetch(epoch0)).state).toBeNull();
    expect((await storeOf(first).write(epoch0, epoch0, Date.now() + HOUR)).acknowledged).toBe(true);
    const took = await storeOf(first).write({ ...epoch0, taken: 0b0101, slain: 0b10 }, epoch0, Date.now() + HOUR);
    expect(took.acknowledged).toBe(true);
    expect((await storeOf(second).fetch(epoch0)).state).toMatchObject({ epoch: 0, taken: 0b0101, slain: 0b10, items: epoch0.items });

    // Every node holding the record crashes (the writer keeps a copy too): nobody can read the changes.
    const key = recordKey('zone-data', areaSubject(area));
    const holders = live.filter((m) => m.dht.held(key) !== undefined);
    expect(holders.length).toBeGreaterThanOrEqual(2);
    expect(holders.length).toBeLessThanOrEqual(3);
    for (const h of holders) await crash(h, live);
    const reader = live[0] as Member;
    expect((await storeOf(reader).fetch(epoch0)).state).toBeNull();

    // The reset: a live player writes epoch 1 as the template regenerates it, and readers find it.
    const epoch1 = generateArea(template, zoneRect, area, 1);
    expect((await storeOf(live[1] as Member).write(epoch1, epoch1, Date.now() + HOUR)).acknowledged).toBe(true);
    const restored = (await storeOf(reader).fetch(epoch1)).state;
    expect(restored).toEqual(epoch1);
    expect(restored?.items).not.toEqual(epoch0.items);
  }, 60_000);

  it('two players taking different things at once both stay taken (the later writer merges)', async () => {
    const net = await network('areas-merge');
    const [a, b, reader] = net.members as [Member, Member, Member];
    const g = generateArea(template, zoneRect, area, 0);
    await storeOf(a).write(g, g, Date.now() + HOUR);
    // Same count of changes, different items: the same seq with other bytes, a conflict at the holders.
    const [wa, wb] = await Promise.all([storeOf(a).write({ ...g, taken: 0b0001 }, g, Date.now() + HOUR), storeOf(b).write({ ...g, taken: 0b0010 }, g, Date.now() + HOUR)]);
    // Whoever met the other's change at a holder read it and wrote the union.
    expect([wa.state.taken, wb.state.taken]).toContain(0b0011);
    expect(wa.acknowledged && wb.acknowledged).toBe(true);
    expect((await storeOf(reader).fetch(g)).state?.taken).toBe(0b0011);
  }, 60_000);
});
