export { DEFAULT_APP_ID, DEFAULT_APP_SECRET, DEFAULT_REDIRECT_URIS, startSimulator } from './simulator';
export type { Simulator, SimulatorOptions } from './simulator';
export { SimControlClient } from './control-client';
export type { SimMessageView, SimReply } from './control-client';
export type { SimConfig, SimStats, SimUser } from './state';
export type { FaultApi, FaultKind } from './faults';
