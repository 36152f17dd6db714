/** One REST operation as the hub's own OpenAPI document describes it. */
export interface ApiOperation {
  method: string;
  /** OpenAPI template, e.g. /api/v1/hosts/{id}. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Top-level JSON body fields, when the operation documents a body. */
  bodyFields: string[] | null;
}

interface OpenApiDoc {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Array<{ in: string; name: string }>; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }
    >
  >;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Every operation in the document, so a new endpoint is fuzzed without anyone listing it. */
export function operationsOf(doc: OpenApiDoc): ApiOperation[] {
  const ops: ApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      const json = op.requestBody?.content?.['application/json'];
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: json ? Object.keys(json.schema?.properties ?? {}) : null,
      });
    }
  }
  return ops;
}
