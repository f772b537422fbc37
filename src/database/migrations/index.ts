import { CreateAuthTables1795443218350 } from './1795443218350-create-auth-tables';

/** Every migration, oldest first. Listed explicitly (no glob) so jest, swc-node and dist all load the same set. */
export const MIGRATIONS = [CreateAuthTables1795443218350];
