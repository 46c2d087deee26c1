import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openAuthorityStore, type AuthorityStore } from '../../src/auth/store.js';

const open: AuthorityStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'p2p-mmog-auth-')), 'authority.db');
const store = (path: string) => {
  const s = openAuthorityStore(path);
  open.push(s);
  return s;
};
const key = (b: number) => new Uint8Array(32).fill(b);
const token = (b: number) => new Uint8Array(16).fill(b);
const account = (s: AuthorityStore, n: number) =>
  s.createAccount({ username: `player-${n}`, publicKey: key(n), tokenId: token(n), nowMs: 1000n, paidUntilMs: 5000n, gameKeyExpiresAtMs: 2000n });

describe('authority store (SQLite)', () => {
  it('creates accounts with increasing ids and finds them by id, username and key', () => {
    const s = store(dbPath());
    const a = account(s, 1);
    const b = account(s, 2);
    expect(a.playerId).toBe(1n);
    expect(b.playerId).toBe(2n);
    expect(s.accountByUsername('player-2')).toEqual(b);
    expect(s.accountByKey(key(1))).toEqual(a);
    expect(s.accountById(2n)?.publicKey).toEqual(key(2));
    expect(s.tokenOwner(token(2))).toBe(2n);
    expect(s.tokenOwner(token(9))).toBeUndefined();
    expect(s.counts()).toEqual({ accounts: 2, bans: 0, consumedTokens: 2, lastPlayerId: 2n });
  });

  it('usernames, keys and tokens are unique, and a failed registration changes nothing', () => {
    const s = store(dbPath());
    account(s, 1);
    expect(() => s.createAccount({ username: 'player-1', publicKey: key(7), tokenId: token(7), nowMs: 1n, paidUntilMs: 2n, gameKeyExpiresAtMs: 2n })).toThrow(/UNIQUE/);
    expect(() => s.createAccount({ username: 'other', publicKey: key(1), tokenId: token(8), nowMs: 1n, paidUntilMs: 2n, gameKeyExpiresAtMs: 2n })).toThrow(/UNIQUE/);
    // The account insert succeeds inside the transaction, the token clashes: both roll back.
    expect(() => s.createAccount({ username: 'third', publicKey: key(9), tokenId: token(1), nowMs: 1n, paidUntilMs: 2n, gameKeyExpiresAtMs: 2n })).toThrow(/UNIQUE/);
    expect(s.accountByUsername('third')).toBeUndefined();
    expect(s.counts().accounts).toBe(1);
  });

  it('never reissues a player id, even after the newest accounts were deleted and the file reopened', () => {
    const path = dbPath();
    const s = openAuthorityStore(path);
    for (let i = 1; i <= 3; i++) account(s, i);
    expect(s.deleteAccount(3n)).toBe(true);
    expect(s.deleteAccount(2n)).toBe(true);
    expect(s.deleteAccount(2n)).toBe(false);
    s.close();
    const again = store(path);
    expect(again.counts()).toMatchObject({ accounts: 1, lastPlayerId: 3n, consumedTokens: 3 });
    expect(account(again, 4).playerId).toBe(4n);
    // A deleted account's token stays spent.
    expect(again.tokenOwner(token(3))).toBe(3n);
  });

  it('extends expirations with a new token atomically', () => {
    const s = store(dbPath());
    account(s, 1);
    const extended = s.updateExpirations({ playerId: 1n, paidUntilMs: 9000n, gameKeyExpiresAtMs: 3000n, tokenId: token(20), nowMs: 1500n });
    expect(extended).toMatchObject({ paidUntilMs: 9000n, gameKeyExpiresAtMs: 3000n });
    expect(() => s.updateExpirations({ playerId: 1n, paidUntilMs: 99999n, gameKeyExpiresAtMs: 3000n, tokenId: token(20), nowMs: 1600n })).toThrow(/UNIQUE/);
    expect(s.accountById(1n)?.paidUntilMs).toBe(9000n);
    expect(() => s.updateExpirations({ playerId: 77n, paidUntilMs: 1n, gameKeyExpiresAtMs: 1n, nowMs: 1n })).toThrow(RangeError);
  });

  it('keeps the first ban of a player; later ones return it unchanged', () => {
    const s = store(dbPath());
    const first = s.ban({ playerId: 5n, bannedAtMs: 100n, reason: new Uint8Array(32).fill(1), proof: new Uint8Array([1, 2]) });
    expect(first.created).toBe(true);
    const second = s.ban({ playerId: 5n, bannedAtMs: 200n, reason: new Uint8Array(32).fill(2), proof: new Uint8Array([3]) });
    expect(second.created).toBe(false);
    expect(second.ban).toEqual(first.ban);
    expect(s.banOf(5n)?.bannedAtMs).toBe(100n);
    expect(s.banOf(6n)).toBeUndefined();
  });

  it('keeps settings, runs in WAL mode with synchronous=FULL, and refuses a newer schema', () => {
    const path = dbPath();
    const s = openAuthorityStore(path);
    s.setMeta('authority-public-key', key(3));
    s.setMeta('authority-public-key', key(4));
    s.close();
    const again = store(path);
    expect(again.getMeta('authority-public-key')).toEqual(key(4));
    expect(again.getMeta('missing')).toBeUndefined();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.pragma('user_version = 99');
    raw.close();
    again.close();
    expect(() => openAuthorityStore(path)).toThrow(/schema 99/);
  });
});
