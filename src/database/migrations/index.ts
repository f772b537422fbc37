import { CreateAuthTables1795443218350 } from './1795443218350-create-auth-tables';
import { TokenLifecycle1796200000000 } from './1796200000000-token-lifecycle';
import { Hardening1796300000000 } from './1796300000000-hardening';
import { EventInbox1796400000000 } from './1796400000000-event-inbox';
import { DeviceFlow1796600000000 } from './1796600000000-device-flow';

/** Every migration, oldest first. Listed explicitly (no glob) so jest, swc-node and dist all load the same set. */
export const MIGRATIONS = [
  CreateAuthTables1795443218350,
  TokenLifecycle1796200000000,
  Hardening1796300000000,
  EventInbox1796400000000,
  DeviceFlow1796600000000,
];
