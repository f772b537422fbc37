export {
  DEFAULT_APP_ID,
  DEFAULT_APP_NAME,
  DEFAULT_APP_SECRET,
  DEFAULT_REDIRECT_URIS,
  startSimulator,
} from './simulator';
export type { Simulator, SimulatorAppOptions, SimulatorOptions } from './simulator';
export { SimControlClient } from './control-client';
export type { SimConfigChanges, SimConfigView, SimMessageView, SimReply, WsStatus } from './control-client';
export type { PersonStatus, SimConfig, SimStats, SimUser, SimUserRecord } from './state';
export type { FaultApi, FaultKind } from './faults';
export { DEFAULT_ENABLED_SCOPES } from './scopes';
