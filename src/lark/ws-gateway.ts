import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as lark from '@larksuiteoapi/node-sdk';

import { APP_CONFIG, AppConfig, AppSettings } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LarkAppRegistry } from './app-registry';
import {
  BotMessageHandler,
  CardActionHandler,
  CardActionResponse,
  toBotMessageEvent,
  toCardActionEvent,
} from './lark-events';
import { createSdkLogger } from './sdk-logger';

const RECENT_EVENT_IDS = 2000;

interface Connection {
  client: lark.WSClient | undefined;
  connected: boolean;
}

/**
 * The WebSocket long connections, one SDK WSClient per configured app, each with its own EventDispatcher that
 * stamps events with its app's id, so a handler always knows (and only ever acts for) the app that received the
 * event. Feature modules register their handlers once (before bootstrap). Feishu delivers at least once, so events
 * are de-duplicated by event_id. Card callbacks arrive here too, as ordinary event frames (docs/feishu-api.md,
 * long connection).
 */
@Injectable()
export class LarkWsGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LarkWsGateway.name);
  private readonly connections = new Map<string, Connection>();
  private readonly recentEventIds = new Set<string>();

  private messageHandler: BotMessageHandler = (event) => {
    this.logger.log(`message ${event.messageId} from ${event.openId} (no handler registered)`);
    return Promise.resolve();
  };
  private cardActionHandler: CardActionHandler = (event) => {
    this.logger.log(`card action on ${event.messageId ?? '?'} from ${event.openId} (no handler registered)`);
    return Promise.resolve({});
  };

  constructor(
    private readonly apps: LarkAppRegistry,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    for (const appId of apps.ids()) {
      this.connections.set(appId, { client: undefined, connected: false });
      metrics.setWsConnected(appId, false);
    }
  }

  onMessage(handler: BotMessageHandler): void {
    this.messageHandler = handler;
  }

  onCardAction(handler: CardActionHandler): void {
    this.cardActionHandler = handler;
  }

  /** Whether the long connection of `appId` is up. */
  isConnected(appId: string): boolean {
    const connection = this.connections.get(appId);
    return !!connection?.connected && connection.client?.getConnectionStatus().state === 'connected';
  }

  /** The configured apps whose long connection is down, in configuration order. */
  disconnectedApps(): string[] {
    return this.apps.ids().filter((appId) => !this.isConnected(appId));
  }

  onApplicationBootstrap(): void {
    for (const app of this.apps.all()) this.connect(app.settings);
  }

  onApplicationShutdown(): void {
    for (const [appId, connection] of this.connections) {
      connection.client?.close({ force: true });
      this.setConnected(appId, false, 'closed');
    }
  }

  private connect(app: AppSettings): void {
    const { appId } = app;
    const dispatcher = new lark.EventDispatcher({ logger: createSdkLogger('LarkEvents') }).register<{
      'card.action.trigger': (data: unknown) => Promise<CardActionResponse>;
    }>({
      'im.message.receive_v1': (data) => this.dispatchMessage(appId, data),
      'card.action.trigger': (data) => this.dispatchCardAction(appId, data),
    });
    const client = new lark.WSClient({
      appId,
      appSecret: app.appSecret,
      domain: app.openBaseUrl,
      logger: createSdkLogger('LarkWs'),
      loggerLevel: lark.LoggerLevel.info,
      autoReconnect: true,
      handshakeTimeoutMs: 10_000,
      // Without it the SDK never notices a socket that stops answering pings but stays open (docs/feishu-api.md).
      wsConfig: { pingTimeout: this.config.lark.wsPingTimeoutSeconds },
      onReady: () => this.setConnected(appId, true, 'connected'),
      onReconnecting: () => this.setConnected(appId, false, 'connection lost, reconnecting'),
      onReconnected: () => this.setConnected(appId, true, 'reconnected'),
      onError: (error) => {
        this.setConnected(appId, false, 'gave up connecting');
        this.logger.error(`WebSocket long connection of ${appId} failed: ${error.message}`);
      },
    });
    this.connections.set(appId, { client, connected: false });
    void client.start({ eventDispatcher: dispatcher });
  }

  private setConnected(appId: string, connected: boolean, what: string): void {
    const connection = this.connections.get(appId);
    if (!connection) return;
    if (connection.connected !== connected) this.logger.log(`WebSocket long connection of ${appId} ${what}`);
    connection.connected = connected;
    this.metrics.setWsConnected(appId, connected);
  }

  /** The connection's app wins over the payload's app_id: an event is only ever handled for the app it reached. */
  private async dispatchMessage(appId: string, data: unknown): Promise<void> {
    const event = { ...toBotMessageEvent(data), appId };
    if (this.isDuplicate(appId, event.eventId)) return;
    try {
      await this.messageHandler(event);
    } catch (error) {
      this.logger.error(`handling message ${event.messageId} failed: ${describe(error)}`);
    }
  }

  private async dispatchCardAction(appId: string, data: unknown): Promise<CardActionResponse> {
    const event = { ...toCardActionEvent(data), appId };
    if (this.isDuplicate(appId, event.eventId)) return {};
    try {
      return await this.cardActionHandler(event);
    } catch (error) {
      // The registered handler answers its own failures in the user's language; this is the last resort.
      this.logger.error(`handling card action on ${event.messageId ?? '?'} failed: ${describe(error)}`);
      return {};
    }
  }

  private isDuplicate(appId: string, eventId: string): boolean {
    if (!eventId) return false;
    const key = `${appId}:${eventId}`;
    if (this.recentEventIds.has(key)) return true;
    this.recentEventIds.add(key);
    if (this.recentEventIds.size > RECENT_EVENT_IDS) {
      const oldest = this.recentEventIds.values().next().value;
      if (oldest !== undefined) this.recentEventIds.delete(oldest);
    }
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
