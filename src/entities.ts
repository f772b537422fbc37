import { AuthSession } from './auth-session/auth-session.entity';
import { EventInboxEntry } from './auth-session/event-inbox.entity';
import { TokenEndpointBudget } from './token-store/token-endpoint-budget.entity';
import { UserToken } from './token-store/user-token.entity';

/** Every entity, for the tools that need the whole model at once (the migration CLI and its drift check). */
export const ENTITIES = [AuthSession, UserToken, TokenEndpointBudget, EventInboxEntry];
