import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as lark from '@larksuiteoapi/node-sdk';

import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import {
  BotMessageHandler,
  CardActionHandler,
  CardActionResponse,
  toBotMessageEvent,
  toCardActionEvent,
} from './lark-events';
import { createSdkLogger } from './sdk-logger';

const RECENT_EVENT_IDS = 2000;

/**
 * The WebSocket long connection: the SDK WSClient with one EventDispatcher on which feature modules
 * register their handlers (before bootstrap). Feishu delivers at least once, so events are de-duplicated
 * by event_id. Card callbacks arrive here too, as ordinary event frames (docs/feishu-api.md, long connection).
 */
@Injectable()
export class LarkWsGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LarkWsGateway.name);
  private client: lark.WSClient | undefined;
  private connected = false;
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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  onMessage(handler: BotMessageHandler): void {
    this.messageHandler = handler;
  }

  onCardAction(handler: CardActionHandler): void {
    this.cardActionHandler = handler;
  }

  isConnected(): boolean {
    return this.connected && this.client?.getConnectionStatus().state === 'connected';
  }

  onApplicationBootstrap(): void {
    const dispatcher = new lark.EventDispatcher({ logger: createSdkLogger('LarkEvents') }).register<{
      'card.action.trigger': (data: unknown) => Promise<CardActionResponse>;
    }>({
      'im.message.receive_v1': (data) => this.dispatchMessage(data),
      'card.action.trigger': (data) => this.dispatchCardAction(data),
    });
    this.client = new lark.WSClient({
      appId: this.config.lark.appId,
      appSecret: this.config.lark.appSecret,
      domain: this.config.lark.openBaseUrl,
      logger: createSdkLogger('LarkWs'),
      loggerLevel: lark.LoggerLevel.info,
      autoReconnect: true,
      handshakeTimeoutMs: 10_000,
      onReady: () => this.setConnected(true, 'connected'),
      onReconnecting: () => this.setConnected(false, 'connection lost, reconnecting'),
      onReconnected: () => this.setConnected(true, 'reconnected'),
      onError: (error) => {
        this.setConnected(false, 'gave up connecting');
        this.logger.error(`WebSocket long connection failed: ${error.message}`);
      },
    });
    void this.client.start({ eventDispatcher: dispatcher });
  }

  onApplicationShutdown(): void {
    this.client?.close({ force: true });
    this.setConnected(false, 'closed');
  }

  private setConnected(connected: boolean, what: string): void {
    if (this.connected !== connected) this.logger.log(`WebSocket long connection ${what}`);
    this.connected = connected;
    this.metrics.setWsConnected(connected);
  }

  private async dispatchMessage(data: unknown): Promise<void> {
    const event = toBotMessageEvent(data);
    if (this.isDuplicate(event.eventId)) return;
    try {
      await this.messageHandler(event);
    } catch (error) {
      this.logger.error(`handling message ${event.messageId} failed: ${describe(error)}`);
    }
  }

  private async dispatchCardAction(data: unknown): Promise<CardActionResponse> {
    const event = toCardActionEvent(data);
    if (this.isDuplicate(event.eventId)) return {};
    try {
      return await this.cardActionHandler(event);
    } catch (error) {
      // The registered handler answers its own failures in the user's language; this is the last resort.
      this.logger.error(`handling card action on ${event.messageId ?? '?'} failed: ${describe(error)}`);
      return {};
    }
  }

  private isDuplicate(eventId: string): boolean {
    if (!eventId) return false;
    if (this.recentEventIds.has(eventId)) return true;
    this.recentEventIds.add(eventId);
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
