import { z, type ZodType } from 'zod';
import { API_ROUTES, errorOut, type ApiRoute } from './routes';

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests. */

const jsonSchema = (schema: ZodType, io: 'input' | 'output') => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

function parameters(route: ApiRoute) {
  const list: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const shape = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(shape.properties ?? {})) {
      list.push({ name, in: where, required: where === 'path' || (shape.required ?? []).includes(name), schema: property });
    }
  }
  return list;
}

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of API_ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: [{ bearer: [route.requires] }],
      'x-required-scope': route.requires,
      parameters: parameters(route),
      ...(route.body
        ? { requestBody: { required: true, content: { [route.bodyType ?? 'application/json']: { schema: jsonSchema(route.body, 'input') } } } }
        : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(route.responses).map(([status, response]) => [
            status,
            { description: response.description, ...(response.schema ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } } : {}) },
          ]),
        ),
        401: { description: 'No valid API key: send Authorization: Bearer <key>.', content: { 'application/json': { schema: jsonSchema(errorOut, 'output') } } },
        403: { description: `The key lacks the \`${route.requires}\` scope.`, content: { 'application/json': { schema: jsonSchema(errorOut, 'output') } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Missing Huddle recording API',
      version,
      description: 'For case-management and police systems: missing and found notifications, return home interviews, the daily list and CSV imports.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A key from INGEST_API_KEYS (name:key or name:key:scope+scope; scopes record, read, report, audit; a key without scopes has record and read); its name is recorded in the audit log.' } } },
    paths,
  };
}
