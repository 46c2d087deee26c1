/**
 * The small deterministic game that NEO replicas play (docs/game.md): integer state, updates
 * played in member-index order, a canonical state hash every replica can compare.
 */
export { createGame, restoreGame, type Game, type GameOptions, type RoundUpdate, type Avatar, type GameEffect } from './game.js';
export { encodeUpdate, decodeUpdate, GAME_UPDATE_BYTES, type GameUpdate, type GameAction, type GameActionKind } from './update.js';
export { encodeState, decodeState, type GameSnapshot, type MemberState, type ChestState } from './state.js';
export { createBot, type Bot, type BotOptions } from './bot.js';
export { START_HP, MAX_STEP, chebyshev } from './rules.js';
