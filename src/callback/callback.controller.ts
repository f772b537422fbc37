import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
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
    });
    // The browser's language first, then the language the card was sent in.
    const locale = localeFromAcceptLanguage(acceptLanguage) ?? result.locale ?? DEFAULT_LOCALE;
    const page = renderResultPage(result.outcome, locale, {
      name: result.name,
      cardPatchPending: result.cardPatchPending,
      previousOutcome: result.previousOutcome,
    });
    await reply.status(page.status).headers(resultPageHeaders(page.html)).send(page.html);
  }
}

/** A parameter given twice is as suspicious as a missing one. */
function single(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
