/**
 * F17: a database read must yield no usable key or token.
 *
 * - `auth_key.material` becomes text: the SecretBox's sealed string. Rows still holding the
 *   JSON itself are sealed by the API when it next loads its keys (auth/keys.ts), since
 *   SQL has no access to ENCRYPTION_KEYS.
 * - Bearer-token rows of `oidc_payload` are keyed by sha256(token) in hex, and their payload
 *   loses the `jti` (the token itself); auth/oidc-adapter.ts does the same for new rows.
 */
import { Migration } from '@mikro-orm/migrations';

/**
 * Hashes the ids of bearer-token rows not hashed yet (oidc-provider's opaque tokens are 43
 * base64url characters, never 64 hex digits), so running it twice changes nothing. The
 * models are HASHED_MODELS of auth/oidc-adapter.ts.
 */
export const HASH_TOKEN_IDS_SQL = `update "oidc_payload"
  set "id" = encode(sha256(convert_to("id", 'UTF8')), 'hex'), "payload" = "payload" - 'jti'
  where "model" in ('AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'ClientCredentials',
    'BackchannelAuthenticationRequest', 'InitialAccessToken', 'RegistrationAccessToken', 'PushedAuthorizationRequest')
  and "id" !~ '^[0-9a-f]{64}$';`;

export class Migration20261206164700 extends Migration {
  override name = 'Migration20261206164700';

  override up(): void {
    this.addSql('alter table "auth_key" alter column "material" type text using "material"::text;');
    this.addSql(HASH_TOKEN_IDS_SQL);
  }
}
