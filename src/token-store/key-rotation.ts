import { DataSource, EntityManager } from 'typeorm';

import { rowsOf } from '../database/lease';
import { TokenCipher } from './token-cipher';

export interface RotationProgress {
  tokens: number;
  sessions: number;
}

interface EncryptedRow {
  id: string;
  app_id: string;
  open_id: string;
  key_id: string;
}

/** Rows still locked by a running refresh are retried; this long without progress means something holds them. */
const MAX_IDLE_ROUNDS = 30;
const IDLE_WAIT_MS = 1_000;

/**
 * Re-encrypts every stored secret (tokens and PKCE verifiers) under the current key, in batches, each batch in its
 * own transaction with the rows locked (FOR UPDATE SKIP LOCKED): the service can keep running, a refresh that holds
 * a row simply makes it wait for the next round, and an interrupted run resumes where it stopped because it only
 * ever looks at rows under another key. docs/operations.md (key rotation) has the procedure.
 */
export class KeyRotation {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: TokenCipher,
    private readonly batchSize = 500,
  ) {}

  async run(onBatch: (progress: RotationProgress) => void = () => undefined): Promise<RotationProgress> {
    const progress: RotationProgress = { tokens: 0, sessions: 0 };
    let idleRounds = 0;
    for (;;) {
      const tokens = await this.dataSource.transaction((manager) => this.rotateTokens(manager));
      const sessions = await this.dataSource.transaction((manager) => this.rotateSessions(manager));
      progress.tokens += tokens;
      progress.sessions += sessions;
      if (tokens + sessions > 0) {
        idleRounds = 0;
        onBatch(progress);
        continue;
      }
      if ((await this.remaining()) === 0) return progress;
      if (++idleRounds > MAX_IDLE_ROUNDS) {
        throw new Error('rows under the old key stayed locked for too long; run the rotation again later');
      }
      await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
    }
  }

  /** Stored values not yet under the current key. */
  async remaining(): Promise<number> {
    const [row] = rowsOf<{ count: string }>(
      await this.dataSource.query(
        `SELECT (SELECT count(*) FROM user_tokens WHERE key_id IS NOT NULL AND key_id <> $1) +
                (SELECT count(*) FROM auth_sessions
                  WHERE (pkce_verifier_enc IS NOT NULL OR device_code_enc IS NOT NULL) AND key_id <> $1) AS count`,
        [this.cipher.currentKeyId],
      ),
    );
    return Number(row?.count ?? 0);
  }

  private async rotateTokens(manager: EntityManager): Promise<number> {
    const rows = rowsOf<EncryptedRow & { access_token_enc: Buffer; refresh_token_enc: Buffer | null }>(
      await manager.query(
        `SELECT id, app_id, open_id, key_id, access_token_enc, refresh_token_enc FROM user_tokens
          WHERE key_id IS NOT NULL AND key_id <> $1 LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.cipher.currentKeyId, this.batchSize],
      ),
    );
    for (const row of rows) {
      const access = this.reencrypt(row, row.access_token_enc);
      const refresh = row.refresh_token_enc ? this.reencrypt(row, row.refresh_token_enc) : null;
      await manager.query(
        `UPDATE user_tokens SET access_token_enc = $2, refresh_token_enc = $3, key_id = $4, version = version + 1
          WHERE id = $1`,
        [row.id, access, refresh, this.cipher.currentKeyId],
      );
    }
    return rows.length;
  }

  private async rotateSessions(manager: EntityManager): Promise<number> {
    const rows = rowsOf<EncryptedRow & { pkce_verifier_enc: Buffer | null; device_code_enc: Buffer | null }>(
      await manager.query(
        `SELECT id, app_id, open_id, key_id, pkce_verifier_enc, device_code_enc FROM auth_sessions
          WHERE (pkce_verifier_enc IS NOT NULL OR device_code_enc IS NOT NULL) AND key_id <> $1
          LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.cipher.currentKeyId, this.batchSize],
      ),
    );
    for (const row of rows) {
      await manager.query(
        `UPDATE auth_sessions SET pkce_verifier_enc = $2, device_code_enc = $3, key_id = $4 WHERE id = $1`,
        [
          row.id,
          row.pkce_verifier_enc ? this.reencrypt(row, row.pkce_verifier_enc) : null,
          row.device_code_enc ? this.reencrypt(row, row.device_code_enc) : null,
          this.cipher.currentKeyId,
        ],
      );
    }
    return rows.length;
  }

  private reencrypt(row: EncryptedRow, value: Buffer): Buffer {
    const aad = `${row.app_id}:${row.open_id}`;
    return this.cipher.encrypt(this.cipher.decrypt(Buffer.from(value), row.key_id, aad), aad).value;
  }
}
