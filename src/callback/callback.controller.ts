import { Controller, Get, Head, Headers, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { AuthorizationCallbackService } from '../auth-session/authorization-callback.service';
import { DEFAULT_LOCALE, localeFromAcceptLanguage } from '../common/locale';
import { renderResultPage, resultPageHeaders } from './result-page';

/** The OAuth redirect target; mounted at OAUTH_REDIRECT_URI's path by CallbackModule.forPath. */
@ApiExcludeController()
@Controller()
export class CallbackController {
  constructor(private readonly callback: AuthorizationCallbackService) {}

  @Get()
  async handle(
    @Query() query: Record<string, unknown>,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const result = await this.callback.completeAuthorization({
      state: single(query.state),
      code: single(query.code),
      error: single(query.error),
      malformed: isMalformed(query),
    });
    // The browser's language first, then the language the card was sent in.
    const locale = localeFromAcceptLanguage(acceptLanguage) ?? result.locale ?? DEFAULT_LOCALE;
    const page = renderResultPage(result.outcome, locale, {
      name: result.name,
      cardPatchPending: result.cardPatchPending,
      previousOutcome: result.previousOutcome,
      appName: result.appName,
    });
    await reply.status(page.status).headers(resultPageHeaders(page.html)).send(page.html);
  }

  /**
   * Link previews and prefetchers send HEAD: they get headers and nothing happens, so the code is still there when
   * the user's browser arrives.
   */
  @Head()
  async head(@Res() reply: FastifyReply): Promise<void> {
    await reply.status(200).headers(resultPageHeaders('')).send();
  }
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A parameter given twice, or both a code and an error: Feishu never sends such a redirect. */
function isMalformed(query: Record<string, unknown>): boolean {
  const repeated = ['state', 'code', 'error'].some((name) => Array.isArray(query[name]));
  return repeated || (query.code !== undefined && query.error !== undefined);
}
