import Database from 'better-sqlite3';

/**
 * The authority's durable state in one SQLite file (better-sqlite3, synchronous): accounts and
 * their expirations, consumed payment tokens, bans, and a few settings. The authority answers a
 * request only after the transaction that changed this file committed, so what a player was told
 * is what a restarted authority knows.
 *
 * Durability: WAL journal with synchronous=FULL by default. WAL alone already survives the
 * process being killed at any point (a committed transaction is in the WAL file, which the next
 * open replays); FULL adds an fsync of the WAL at every commit so that an OS crash or power loss
 * cannot take back an acknowledged registration either. Registrations are rare (once per player,
 * renewals once per game-key lifetime), so the fsync per commit costs nothing that matters.
 *
 * Player ids come from an AUTOINCREMENT key: SQLite then keeps the largest id ever issued in
 * sqlite_sequence and never hands out a smaller one, even after the newest rows were deleted.
 */

export interface Account {
  readonly playerId: bigint;
  readonly username: string;
  readonly publicKey: Uint8Array;
  readonly createdAtMs: bigint;
  /** When the paid subscription ends; renewals stop here. */
  readonly paidUntilMs: bigint;
  /** Expiry of the game key most recently issued (re-signed on demand: Ed25519 is deterministic). */
  readonly gameKeyExpiresAtMs: bigint;
}

export interface BanRecord {
  readonly playerId: bigint;
  readonly bannedAtMs: bigint;
  /** SHA-256 digest of the proof (the ban certificate's reason). */
  readonly reason: Uint8Array;
  /** The proof itself, so the ban can be justified to anyone later. */
  readonly proof: Uint8Array;
}

export interface StoreCounts {
  readonly accounts: number;
  readonly bans: number;
  readonly consumedTokens: number;
  /** The largest player id ever issued (0 before the first); never decreases. */
  readonly lastPlayerId: bigint;
}

export interface AuthorityStore {
  readonly path: string;
  getMeta(key: string): Uint8Array | undefined;
  setMeta(key: string, value: Uint8Array): void;
  accountById(playerId: bigint): Account | undefined;
  accountByUsername(username: string): Account | undefined;
  accountByKey(publicKey: Uint8Array): Account | undefined;
  /** The player whose registration or renewal consumed this token, if any. */
  tokenOwner(tokenId: Uint8Array): bigint | undefined;
  /** New account and its token consumed, atomically. Uniqueness was checked by the caller; a clash here throws. */
  createAccount(input: { username: string; publicKey: Uint8Array; tokenId: Uint8Array; nowMs: bigint; paidUntilMs: bigint; gameKeyExpiresAtMs: bigint }): Account;
  /** New expirations, and the token that paid for an extension consumed, atomically. */
  updateExpirations(input: { playerId: bigint; paidUntilMs: bigint; gameKeyExpiresAtMs: bigint; tokenId?: Uint8Array; nowMs: bigint }): Account;
  /** Records a ban unless the player is already banned; returns the ban in force and whether it is new. */
  ban(input: BanRecord): { ban: BanRecord; created: boolean };
  banOf(playerId: bigint): BanRecord | undefined;
  /** Removes an account (its id is never reissued; its bans and consumed tokens stay). */
  deleteAccount(playerId: bigint): boolean;
  counts(): StoreCounts;
  close(): void;
}

export interface AuthorityStoreOptions {
  /** FULL (default) survives power loss; NORMAL with WAL survives a killed process only. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
CREATE TABLE accounts (
  player_id             INTEGER PRIMARY KEY AUTOINCREMENT,
  username              TEXT    NOT NULL UNIQUE,
  public_key            BLOB    NOT NULL UNIQUE CHECK (length(public_key) = 32),
  created_at            INTEGER NOT NULL,
  paid_until            INTEGER NOT NULL,
  game_key_expires_at   INTEGER NOT NULL
);
CREATE TABLE consumed_tokens (
  token_id    BLOB    PRIMARY KEY,
  player_id   INTEGER NOT NULL,
  consumed_at INTEGER NOT NULL
);
CREATE TABLE bans (
  player_id  INTEGER PRIMARY KEY,
  banned_at  INTEGER NOT NULL,
  reason     BLOB    NOT NULL CHECK (length(reason) = 32),
  proof      BLOB    NOT NULL
);
`;

interface AccountRow {
  player_id: bigint;
  username: string;
  public_key: Buffer;
  created_at: bigint;
  paid_until: bigint;
  game_key_expires_at: bigint;
}

interface BanRow {
  player_id: bigint;
  banned_at: bigint;
  reason: Buffer;
  proof: Buffer;
}

/** A copy as a plain Uint8Array, so callers never hold a Buffer with Buffer-specific equality. */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b);

function toAccount(row: AccountRow): Account {
  return {
    playerId: row.player_id,
    username: row.username,
    publicKey: plain(row.public_key),
    createdAtMs: row.created_at,
    paidUntilMs: row.paid_until,
    gameKeyExpiresAtMs: row.game_key_expires_at,
  };
}

function toBan(row: BanRow): BanRecord {
  return { playerId: row.player_id, bannedAtMs: row.banned_at, reason: plain(row.reason), proof: plain(row.proof) };
}

/** Opens (creating if needed) the authority's database. A file from a newer schema is refused. */
export function openAuthorityStore(path: string, options: AuthorityStoreOptions = {}): AuthorityStore {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('openAuthorityStore: path must be a non-empty string');
  const db = new Database(path);
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    // Another process (a second authority on the same file by mistake) waits rather than failing at once.
    db.pragma('busy_timeout = 5000');
    const version = Number(db.pragma('user_version', { simple: true }));
    if (version === 0) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } else if (version !== SCHEMA_VERSION) {
      throw new Error(`${path}: authority database schema ${version}, this build reads ${SCHEMA_VERSION}`);
    }
  } catch (e) {
    db.close();
    throw e;
  }

  const q = {
    getMeta: db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    byId: db.prepare<[bigint], AccountRow>('SELECT * FROM accounts WHERE player_id = ?'),
    byName: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE username = ?'),
    byKey: db.prepare<[Uint8Array], AccountRow>('SELECT * FROM accounts WHERE public_key = ?'),
    tokenOwner: db.prepare<[Uint8Array], { player_id: bigint }>('SELECT player_id FROM consumed_tokens WHERE token_id = ?'),
    insertAccount: db.prepare('INSERT INTO accounts (username, public_key, created_at, paid_until, game_key_expires_at) VALUES (?, ?, ?, ?, ?)'),
    consumeToken: db.prepare('INSERT INTO consumed_tokens (token_id, player_id, consumed_at) VALUES (?, ?, ?)'),
    updateExpirations: db.prepare('UPDATE accounts SET paid_until = ?, game_key_expires_at = ? WHERE player_id = ?'),
    insertBan: db.prepare('INSERT OR IGNORE INTO bans (player_id, banned_at, reason, proof) VALUES (?, ?, ?, ?)'),
    banOf: db.prepare<[bigint], BanRow>('SELECT * FROM bans WHERE player_id = ?'),
    deleteAccount: db.prepare('DELETE FROM accounts WHERE player_id = ?'),
    countAccounts: db.prepare<[], { n: bigint }>('SELECT count(*) AS n FROM accounts'),
    countBans: db.prepare<[], { n: bigint }>('SELECT count(*) AS n FROM bans'),
    countTokens: db.prepare<[], { n: bigint }>('SELECT count(*) AS n FROM consumed_tokens'),
    lastId: db.prepare<[], { seq: bigint }>("SELECT seq FROM sqlite_sequence WHERE name = 'accounts'"),
  };

  const createAccount = db.transaction((input: Parameters<AuthorityStore['createAccount']>[0]): Account => {
    const result = q.insertAccount.run(input.username, input.publicKey, input.nowMs, input.paidUntilMs, input.gameKeyExpiresAtMs);
    const playerId = BigInt(result.lastInsertRowid);
    q.consumeToken.run(input.tokenId, playerId, input.nowMs);
    return toAccount(q.byId.get(playerId) as AccountRow);
  });

  const updateExpirations = db.transaction((input: Parameters<AuthorityStore['updateExpirations']>[0]): Account => {
    if (input.tokenId) q.consumeToken.run(input.tokenId, input.playerId, input.nowMs);
    const changed = q.updateExpirations.run(input.paidUntilMs, input.gameKeyExpiresAtMs, input.playerId).changes;
    if (changed !== 1) throw new RangeError(`updateExpirations: no account ${input.playerId}`);
    return toAccount(q.byId.get(input.playerId) as AccountRow);
  });

  const ban = db.transaction((input: BanRecord): { ban: BanRecord; created: boolean } => {
    const created = q.insertBan.run(input.playerId, input.bannedAtMs, input.reason, input.proof).changes === 1;
    return { ban: toBan(q.banOf.get(input.playerId) as BanRow), created };
  });

  let closed = false;
  return {
    path,
    getMeta: (key) => {
      const row = q.getMeta.get(key);
      return row ? plain(row.value) : undefined;
    },
    setMeta: (key, value) => void q.setMeta.run(key, value),
    accountById: (id) => {
      const row = q.byId.get(id);
      return row ? toAccount(row) : undefined;
    },
    accountByUsername: (name) => {
      const row = q.byName.get(name);
      return row ? toAccount(row) : undefined;
    },
    accountByKey: (key) => {
      const row = q.byKey.get(key);
      return row ? toAccount(row) : undefined;
    },
    tokenOwner: (tokenId) => q.tokenOwner.get(tokenId)?.player_id,
    createAccount: (input) => createAccount(input),
    updateExpirations: (input) => updateExpirations(input),
    ban: (input) => ban(input),
    banOf: (id) => {
      const row = q.banOf.get(id);
      return row ? toBan(row) : undefined;
    },
    deleteAccount: (id) => q.deleteAccount.run(id).changes === 1,
    counts: () => ({
      accounts: Number(q.countAccounts.get()?.n ?? 0n),
      bans: Number(q.countBans.get()?.n ?? 0n),
      consumedTokens: Number(q.countTokens.get()?.n ?? 0n),
      lastPlayerId: q.lastId.get()?.seq ?? 0n,
    }),
    close: () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
