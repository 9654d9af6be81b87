/**
 * `audio_message` in SQL: what the worker reads of it. Uploads, listings and deletes go
 * through the `AudioMessage` entity (api/audio/).
 */
import type { Pool } from './sql.js';

/** The object key of the message's prepared audio; undefined when the message is gone. */
export async function preparedAudioKey(pool: Pool, audioId: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ prepared_key: string }>('SELECT prepared_key FROM audio_message WHERE id = $1', [
    audioId,
  ]);
  return rows[0]?.prepared_key;
}
