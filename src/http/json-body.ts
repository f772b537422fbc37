import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * JSON bodies as Fastify parses them (prototype-poisoning checks, body limit), except that an empty body is no
 * body: curl and axios send `content-type: application/json` on a bodiless POST or DELETE, which Fastify's own
 * parser refuses with a 400.
 */
export function acceptEmptyJsonBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    void parseJson(request, text, done);
  });
}
