import assert from 'node:assert/strict';
import { request } from 'node:http';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';

/**
 * Speaks the API through its own OpenAPI document: each call names an operation as the document
 * does (method and path template), and is checked against it both ways: the request sent (query
 * names, JSON body) and the answer (status documented, JSON body valid, content type). It counts
 * the operations called, so a test can insist that every one was.
 */

type Json = Record<string, unknown>;

export interface Call {
  /** Path parameters, filled into the template (URL-encoded here). */
  params?: Record<string, string>;
  query?: Record<string, string | string[]>;
  body?: unknown;
  /** A non-JSON body (a blob upload), with its content type. */
  raw?: { contentType: string; bytes: Buffer };
  headers?: Record<string, string>;
  /** Whose token: the checker's own unless given; null sends none. */
  token?: string | null;
  /** The body is wrong on purpose: the document must refuse it too. */
  invalid?: true;
}

export interface Answer {
  status: number;
  /** The JSON body, or for NDJSON the lines' objects. */
  json: unknown;
  text: string;
  contentType: string;
}

const DOC_ID = 'openapi.json';

export class OpenApiCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  readonly called = new Set<string>();

  constructor(
    readonly document: Json,
    private readonly baseUrl: string,
    private readonly token: string,
  ) {
    this.ajv.addSchema(document, DOC_ID);
  }

  /** Every operation of the document, as `METHOD /path/{template}`. */
  operations(): string[] {
    return Object.entries(this.paths()).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
  }

  /** Calls an operation, checks the request and the answer against the document, and returns the answer. */
  async call(method: string, template: string, call: Call = {}): Promise<Answer> {
    const op = this.operation(method, template);
    const where = `${method} ${template}`;
    this.checkRequest(op, ['paths', template, method.toLowerCase()], where, call);
    const url = new URL(this.baseUrl + fillPath(template, call.params ?? {}));
    for (const [name, value] of Object.entries(call.query ?? {})) {
      for (const one of typeof value === 'string' ? [value] : value) url.searchParams.append(name, one);
    }
    const token = call.token === undefined ? this.token : call.token;
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...call.headers };
    let body: Uint8Array<ArrayBuffer> | string | undefined;
    if (call.raw) {
      headers['content-type'] = call.raw.contentType;
      body = new Uint8Array(call.raw.bytes);
    } else if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(call.body);
    }
    const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const answer = this.checkAnswer(op, ['paths', template, method.toLowerCase()], where, res.status, res.headers.get('content-type') ?? '', text);
    this.called.add(`${method} ${template}`);
    return answer;
  }

  /** `GET` with `Upgrade`, as `everai worker exec` starts: resolves with the status of the answer (101 when it switched). */
  async upgrade(template: string, call: Call & { protocol: string }): Promise<number> {
    const op = this.operation('GET', template);
    this.checkRequest(op, ['paths', template, 'get'], `GET ${template}`, call);
    const url = new URL(this.baseUrl + fillPath(template, call.params ?? {}));
    for (const [name, value] of Object.entries(call.query ?? {})) {
      for (const one of typeof value === 'string' ? [value] : value) url.searchParams.append(name, one);
    }
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { headers: { authorization: `Bearer ${this.token}`, connection: 'Upgrade', upgrade: call.protocol } });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    this.response(op, `GET ${template}`, status);
    this.called.add(`GET ${template}`);
    return status;
  }

  private paths(): Record<string, Record<string, Json>> {
    return this.document.paths as Record<string, Record<string, Json>>;
  }

  private operation(method: string, template: string): Json {
    return this.paths()[template]?.[method.toLowerCase()] ?? assert.fail(`the document has no operation ${method} ${template}`);
  }

  /** `at`: the operation's JSON pointer in the document. */
  private checkRequest(op: Json, at: string[], where: string, call: Call): void {
    const parameters = (op.parameters ?? []) as { name: string; in: string; required: boolean }[];
    for (const [name, value] of Object.entries(call.query ?? {})) {
      const index = parameters.findIndex((p) => p.in === 'query' && p.name === name);
      assert.ok(index >= 0, `${where}: the query parameter '${name}' is not documented`);
      this.validate([...at, 'parameters', String(index), 'schema'], value, `${where}: the query parameter '${name}'`);
    }
    for (const p of parameters.filter((p) => p.in === 'path')) assert.ok(call.params?.[p.name] !== undefined, `${where}: no value for {${p.name}}`);
    const requestBody = op.requestBody as { content: Record<string, unknown> } | undefined;
    if (call.raw) {
      assert.ok(requestBody?.content[call.raw.contentType], `${where}: a ${call.raw.contentType} body is not documented`);
    } else if (call.body !== undefined) {
      assert.ok(requestBody?.content['application/json'], `${where}: a JSON body is not documented`);
      this.validate([...at, 'requestBody', 'content', 'application/json', 'schema'], call.body, `${where}: the request body`, !call.invalid);
    }
  }

  private checkAnswer(op: Json, at: string[], where: string, status: number, contentType: string, text: string): Answer {
    const [key, response] = this.response(op, where, status);
    const content = response.content as Record<string, { schema?: unknown }> | undefined;
    const mediaType = contentType.split(';')[0]?.trim() ?? '';
    if (!content) {
      assert.equal(text, '', `${where} → ${status}: the document says no body, the server sent one`);
      return { status, json: undefined, text, contentType };
    }
    assert.ok(content[mediaType], `${where} → ${status}: answered ${mediaType}, the document says ${Object.keys(content).join(', ')}\n${text.slice(0, 500)}`);
    const base = key === '4XX' || key === '5XX' ? ['components', 'responses', 'Error'] : [...at, 'responses', key];
    const pointer = [...base, 'content', mediaType, 'schema'];
    let json: unknown;
    if (mediaType === 'application/json') {
      json = JSON.parse(text);
      this.validate(pointer, json, `${where} → ${status}`);
    } else if (mediaType === 'application/x-ndjson') {
      json = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as unknown);
      for (const item of json as unknown[]) this.validate(pointer, item, `${where} → ${status}: a line`);
    }
    return { status, json, text, contentType };
  }

  /** The documented response for `status`: by its code, or its range (`4XX`). */
  private response(op: Json, where: string, status: number): [string, Json] {
    const responses = op.responses as Record<string, Json>;
    const key = [String(status), `${String(status)[0]}XX`].find((k) => responses[k]) ?? assert.fail(`${where}: status ${status} is not documented`);
    const response = responses[key] as Json;
    // The error ranges point at the one shared response.
    return [key, response.$ref ? (this.document.components as { responses: Record<string, Json> }).responses.Error ?? {} : response];
  }

  private validate(pointer: string[], value: unknown, what: string, valid = true): void {
    const ref = `${DOC_ID}#/${pointer.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
    let validator = this.validators.get(ref);
    if (!validator) this.validators.set(ref, (validator = this.ajv.compile({ $ref: ref })));
    const shown = JSON.stringify(value).slice(0, 1000);
    if (!valid) assert.ok(!validator(value), `${what} is wrong on purpose, yet the document takes it: ${shown}`);
    else assert.ok(validator(value), `${what} does not match the document: ${this.ajv.errorsText(validator.errors)}\n${shown}`);
  }
}

function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? assert.fail(`no value for {${name}}`)));
}
