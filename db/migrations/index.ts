import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123191535 } from './migration-20261123191535-initial.js';
import { Migration20261201140000 } from './migration-20261201140000-sip-trunks.js';
import { Migration20261201140100 } from './migration-20261201140100-audio-messages.js';
import { Migration20261201140200 } from './migration-20261201140200-contact-lists.js';
import { Migration20261201150000 } from './migration-20261201150000-campaigns.js';
import { Migration20261202100000 } from './migration-20261202100000-call-journal-indexes.js';
import { Migration20261202110000 } from './migration-20261202110000-blocklist.js';
import { Migration20261202120000 } from './migration-20261202120000-policies.js';
import { Migration20261202130000 } from './migration-20261202130000-webhooks.js';
import { Migration20261202150000 } from './migration-20261202150000-contact-time-zones.js';
import { Migration20261202160000 } from './migration-20261202160000-campaign-pacing.js';
import { Migration20261202170000 } from './migration-20261202170000-contact-due-order.js';
import { Migration20261206100000 } from './migration-20261206100000-claim-keys.js';
import { Migration20261206110000 } from './migration-20261206110000-recording-uploads.js';
import { Migration20261206140000 } from './migration-20261206140000-webhook-limit.js';
import { Migration20261206164700 } from './migration-20261206164700-sealed-auth-secrets.js';
import { Migration20261206180000 } from './migration-20261206180000-upload-limit.js';
import { Migration20261206200000 } from './migration-20261206200000-audit-log.js';
import { Migration20261206200100 } from './migration-20261206200100-campaign-schedule.js';
import { Migration20261206200300 } from './migration-20261206200300-campaign-events.js';
import { Migration20261206200400 } from './migration-20261206200400-machine-detection.js';

/** Every committed migration, oldest first. Add new ones at the end. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261123191535', class: Migration20261123191535 },
  { name: 'Migration20261201140000', class: Migration20261201140000 },
  { name: 'Migration20261201140100', class: Migration20261201140100 },
  { name: 'Migration20261201140200', class: Migration20261201140200 },
  { name: 'Migration20261201150000', class: Migration20261201150000 },
  { name: 'Migration20261202100000', class: Migration20261202100000 },
  { name: 'Migration20261202110000', class: Migration20261202110000 },
  { name: 'Migration20261202120000', class: Migration20261202120000 },
  { name: 'Migration20261202130000', class: Migration20261202130000 },
  { name: 'Migration20261202150000', class: Migration20261202150000 },
  { name: 'Migration20261202160000', class: Migration20261202160000 },
  { name: 'Migration20261202170000', class: Migration20261202170000 },
  { name: 'Migration20261206100000', class: Migration20261206100000 },
  { name: 'Migration20261206110000', class: Migration20261206110000 },
  { name: 'Migration20261206140000', class: Migration20261206140000 },
  { name: 'Migration20261206164700', class: Migration20261206164700 },
  { name: 'Migration20261206180000', class: Migration20261206180000 },
  { name: 'Migration20261206200000', class: Migration20261206200000 },
  { name: 'Migration20261206200100', class: Migration20261206200100 },
  { name: 'Migration20261206200300', class: Migration20261206200300 },
  { name: 'Migration20261206200400', class: Migration20261206200400 },
];
