import { sha256 } from '../crypto/index.js';
import { createRng, type RngSeed } from '../random/index.js';
import {
  ATTACK_DAMAGE,
  ATTACK_RANGE,
  CHEST_GOLD,
  CHEST_RANGE,
  DEFAULT_CHESTS,
  DEFAULT_WORLD_SIZE,
  MAX_CHESTS,
  MAX_MEMBERS,
  MAX_WORLD_SIZE,
  START_HP,
  chebyshev,
  clamp,
} from './rules.js';
import { STATE_HASH_TAG, encodeState, type ChestState, type GameSnapshot, type MemberState } from './state.js';
import { decodeUpdate, type GameUpdate } from './update.js';

export interface GameOptions {
  /** Number of members (the view's size); member indices are 0 … members−1. */
  readonly members: number;
  /** Places members and chests; every replica must use the same seed. */
  readonly seed: RngSeed;
  /** Side of the square world in tiles; default 64. */
  readonly worldSize?: number;
  /** Number of chests; default 1 (0 for groups of a world of zones: src/groups GroupConfig.worldSize). */
  readonly chests?: number;
}

/** What a player carries from one group's game into another's when it is handed over. */
export interface Avatar {
  readonly x: number;
  readonly y: number;
  /** In [1, START_HP]: a dead player is not handed over. */
  readonly hp: number;
  readonly gold: number;
}

/**
 * What something outside the players' updates does to a seat, decided by the group (a game
 * process's outcome voted in one round, src/compute): `hurt` takes hit points (a player brought to
 * 0 dies), `reward` gives gold. Effects on a dead seat do nothing.
 */
export interface GameEffect {
  readonly kind: 'hurt' | 'reward';
  readonly seat: number;
  readonly amount: number;
}

/** One accepted update of a round: who sent it and its payload as it came off the wire. */
export interface RoundUpdate {
  readonly member: number;
  readonly payload: Uint8Array;
}

export interface Game {
  readonly members: number;
  readonly worldSize: number;
  /** The last round applied, or -1 before the first. */
  readonly lastRound: number;
  /** Payloads that did not decode, or named a target that is not another member; ignored. */
  readonly malformedUpdates: number;
  /** Well-formed updates from members who were dead when their turn came; ignored. */
  readonly deadMemberUpdates: number;
  /**
   * Plays the accepted updates of `round` in member-index order, whatever order they are given in.
   * Throws (leaving the state untouched) if `round` is not after the last applied round, or if an
   * entry names a member outside the game or the same member twice.
   */
  applyRound(round: number, updates: readonly RoundUpdate[]): void;
  /**
   * A seat's player leaves (`occupied` false: dead and out of the game) or a new player takes it
   * (`occupied` true: respawns where the seat was, with full hp and no gold). Membership changes
   * are agreed by the group, so every replica calls this at the same point between two rounds.
   * A player handed over from another group brings its `avatar` (position, hp, gold) instead.
   */
  setSeat(seat: number, occupied: boolean, avatar?: Avatar): void;
  /**
   * Applies effects the group decided after a round's updates, in order (every replica calls this
   * at the same point with the same effects). Throws, changing nothing, on a seat outside the game
   * or an amount that is not an integer in [0, 0xffff].
   */
  applyEffects(effects: readonly GameEffect[]): void;
  /** SHA-256 over the tag and the canonical state encoding (docs/game.md). */
  stateHash(): Uint8Array;
  snapshot(): GameSnapshot;
}

interface Member {
  x: number;
  y: number;
  hp: number;
  alive: boolean;
  gold: number;
}

interface Chest {
  readonly x: number;
  readonly y: number;
  owner: number;
}

function checkInt(fn: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${fn}: ${name} must be an integer, got ${String(v)}`);
  if (v < lo || v > hi) throw new RangeError(`${fn}: ${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}

/**
 * A replica of a game in progress, from another replica's snapshot: a player joining a group
 * takes the state after the round before its first. The snapshot is checked for shape; whether it
 * is the group's true state shows at the next state-hash checkpoint.
 */
export function restoreGame(snapshot: GameSnapshot): Game {
  if (typeof snapshot !== 'object' || snapshot === null) throw new TypeError('restoreGame: expected a snapshot');
  const worldSize = checkInt('restoreGame', 'worldSize', snapshot.worldSize, 1, MAX_WORLD_SIZE);
  checkInt('restoreGame', 'members', snapshot.members.length, 1, MAX_MEMBERS);
  checkInt('restoreGame', 'chests', snapshot.chests.length, 0, MAX_CHESTS);
  checkInt('restoreGame', 'round', snapshot.round, -1, Number.MAX_SAFE_INTEGER);
  const edge = worldSize - 1;
  snapshot.members.forEach((m, i) => {
    checkInt('restoreGame', `members[${i}].x`, m.x, 0, edge);
    checkInt('restoreGame', `members[${i}].y`, m.y, 0, edge);
    checkInt('restoreGame', `members[${i}].hp`, m.hp, 0, START_HP);
    if (m.alive !== m.hp > 0) throw new RangeError(`restoreGame: members[${i}] must be alive exactly when hp > 0`);
  });
  snapshot.chests.forEach((c, i) => {
    checkInt('restoreGame', `chests[${i}].owner`, c.owner, -1, snapshot.members.length - 1);
  });
  const game = new GameImpl(snapshot.members.length, worldSize, snapshot.chests.length, 'restored');
  game.load(snapshot);
  return game;
}

export function createGame(options: GameOptions): Game {
  if (typeof options !== 'object' || options === null) throw new TypeError('createGame: expected an options object');
  const n = checkInt('createGame', 'members', options.members, 1, MAX_MEMBERS);
  const worldSize = checkInt('createGame', 'worldSize', options.worldSize ?? DEFAULT_WORLD_SIZE, 1, MAX_WORLD_SIZE);
  const chestCount = checkInt('createGame', 'chests', options.chests ?? DEFAULT_CHESTS, 0, MAX_CHESTS);
  // Chests sit on distinct tiles, so a world needs room for them all.
  if (chestCount > worldSize * worldSize) {
    throw new RangeError(`createGame: ${chestCount} chests do not fit on ${worldSize}×${worldSize} tiles`);
  }
  return new GameImpl(n, worldSize, chestCount, options.seed);
}

class GameImpl implements Game {
  readonly members: number;
  readonly worldSize: number;
  // Private with getters: the Game is handed to protocol code, and a stray write to a counter or
  // to the round would silently split replicas.
  #lastRound = -1;
  #malformed = 0;
  #dead = 0;
  readonly #state: Member[];
  readonly #chests: Chest[];
  #hash: Uint8Array | null = null;

  constructor(members: number, worldSize: number, chestCount: number, seed: RngSeed) {
    this.members = members;
    this.worldSize = worldSize;
    const rng = createRng(seed).fork('game');
    // Separate streams so that changing the member count does not move the chests.
    const spawn = rng.fork('spawn');
    this.#state = Array.from({ length: members }, () => ({
      x: spawn.int(worldSize),
      y: spawn.int(worldSize),
      hp: START_HP,
      alive: true,
      gold: 0,
    }));
    const place = rng.fork('chests');
    const used = new Set<number>();
    this.#chests = [];
    while (this.#chests.length < chestCount) {
      const x = place.int(worldSize);
      const y = place.int(worldSize);
      if (used.has(y * worldSize + x)) continue;
      used.add(y * worldSize + x);
      this.#chests.push({ x, y, owner: -1 });
    }
    // Private fields stay writable; this makes members/worldSize truly read-only at run time.
    Object.freeze(this);
  }

  /** Only for restoreGame, on a fresh instance. */
  load(snapshot: GameSnapshot): void {
    snapshot.members.forEach((m, i) => Object.assign(this.#state[i] as Member, { x: m.x, y: m.y, hp: m.hp, alive: m.alive, gold: m.gold }));
    this.#chests.splice(0, this.#chests.length, ...snapshot.chests.map((c) => ({ x: c.x, y: c.y, owner: c.owner })));
    this.#lastRound = snapshot.round;
    this.#hash = null;
  }

  setSeat(seat: number, occupied: boolean, avatar?: Avatar): void {
    checkInt('setSeat', 'seat', seat, 0, this.members - 1);
    if (typeof occupied !== 'boolean') throw new TypeError('setSeat: occupied must be a boolean');
    const m = this.#state[seat] as Member;
    if (occupied && avatar) {
      const edge = this.worldSize - 1;
      const placed = { x: checkInt('setSeat', 'avatar.x', avatar.x, 0, edge), y: checkInt('setSeat', 'avatar.y', avatar.y, 0, edge) };
      Object.assign(m, { ...placed, hp: checkInt('setSeat', 'avatar.hp', avatar.hp, 1, START_HP), alive: true, gold: checkInt('setSeat', 'avatar.gold', avatar.gold, 0, 0xffffffff) });
    } else if (occupied) Object.assign(m, { hp: START_HP, alive: true, gold: 0 });
    else Object.assign(m, { hp: 0, alive: false, gold: 0 });
    this.#hash = null;
  }

  applyEffects(effects: readonly GameEffect[]): void {
    if (!Array.isArray(effects)) throw new TypeError('applyEffects: effects must be an array');
    for (const e of effects as readonly unknown[]) {
      if (typeof e !== 'object' || e === null) throw new TypeError('applyEffects: each effect must be an object');
      const { kind, seat, amount } = e as { kind?: unknown; seat?: unknown; amount?: unknown };
      if (kind !== 'hurt' && kind !== 'reward') throw new TypeError(`applyEffects: kind must be 'hurt' or 'reward', got ${String(kind)}`);
      checkInt('applyEffects', 'seat', seat, 0, this.members - 1);
      checkInt('applyEffects', 'amount', amount, 0, 0xffff);
    }
    for (const { kind, seat, amount } of effects) {
      const m = this.#state[seat] as Member;
      if (!m.alive) continue;
      if (kind === 'reward') m.gold = Math.min(0xffffffff, m.gold + amount);
      else {
        m.hp = Math.max(0, m.hp - amount);
        if (m.hp === 0) m.alive = false;
      }
    }
    if (effects.length > 0) this.#hash = null;
  }

  get lastRound(): number {
    return this.#lastRound;
  }

  get malformedUpdates(): number {
    return this.#malformed;
  }

  get deadMemberUpdates(): number {
    return this.#dead;
  }

  applyRound(round: number, updates: readonly RoundUpdate[]): void {
    if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0) {
      throw new RangeError(`applyRound: round must be a safe integer >= 0, got ${String(round)}`);
    }
    if (round <= this.#lastRound) {
      throw new RangeError(`applyRound: round ${round} is not after the last applied round ${this.#lastRound}`);
    }
    if (!Array.isArray(updates)) throw new TypeError('applyRound: updates must be an array');
    // Validate everything before touching the state, so a throwing call changes nothing.
    const seen = new Set<number>();
    for (const u of updates as readonly unknown[]) {
      if (typeof u !== 'object' || u === null) throw new TypeError('applyRound: each update must be an object');
      const { member, payload } = u as { member?: unknown; payload?: unknown };
      checkInt('applyRound', 'member', member, 0, this.members - 1);
      if (!(payload instanceof Uint8Array)) throw new TypeError(`applyRound: payload of member ${String(member)} must be a Uint8Array`);
      if (seen.has(member as number)) throw new RangeError(`applyRound: member ${String(member)} appears twice in round ${round}`);
      seen.add(member as number);
    }
    const ordered = [...updates].sort((a, b) => a.member - b.member);
    for (const { member, payload } of ordered) this.#play(member, payload);
    this.#lastRound = round;
    this.#hash = null;
  }

  #play(index: number, payload: Uint8Array): void {
    const update = decodeUpdate(payload);
    // Malformed-ness depends only on the bytes, the sender and the member count, never on the state,
    // so every replica counts the same updates whatever happened earlier in the round.
    if (update === null || !this.#validTarget(index, update)) {
      this.#malformed++;
      return;
    }
    const me = this.#state[index] as Member;
    if (!me.alive) {
      this.#dead++;
      return;
    }
    const edge = this.worldSize - 1;
    me.x = clamp(me.x + update.dx, 0, edge);
    me.y = clamp(me.y + update.dy, 0, edge);
    const action = update.action;
    if (action.kind === 'attack') {
      const target = this.#state[action.target] as Member;
      if (target.alive && chebyshev(me.x, me.y, target.x, target.y) <= ATTACK_RANGE) {
        target.hp = Math.max(0, target.hp - ATTACK_DAMAGE);
        if (target.hp === 0) target.alive = false;
      }
    } else if (action.kind === 'take-chest') {
      // The lowest-index free chest in reach: a fixed rule, so a member beside two chests takes the
      // same one in every replica. Whoever plays first in the round takes a contested chest.
      const chest = this.#chests.find((c) => c.owner === -1 && chebyshev(me.x, me.y, c.x, c.y) <= CHEST_RANGE);
      if (chest !== undefined) {
        chest.owner = index;
        me.gold += CHEST_GOLD;
      }
    }
  }

  #validTarget(index: number, update: GameUpdate): boolean {
    return update.action.kind !== 'attack' || (update.action.target < this.members && update.action.target !== index);
  }

  stateHash(): Uint8Array {
    if (this.#hash === null) {
      const body = encodeState(this.snapshot());
      const input = new Uint8Array(STATE_HASH_TAG.length + body.length);
      input.set(STATE_HASH_TAG, 0);
      input.set(body, STATE_HASH_TAG.length);
      this.#hash = sha256(input);
    }
    // A copy: a caller that scribbles on the result must not corrupt the cached value.
    return this.#hash.slice();
  }

  snapshot(): GameSnapshot {
    return {
      round: this.#lastRound,
      worldSize: this.worldSize,
      members: this.#state.map((m): MemberState => ({ x: m.x, y: m.y, hp: m.hp, alive: m.alive, gold: m.gold })),
      chests: this.#chests.map((c): ChestState => ({ x: c.x, y: c.y, owner: c.owner })),
    };
  }
}
