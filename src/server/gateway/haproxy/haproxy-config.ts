import type { ErrorCode } from '../../../contract/errors';
import { TOKEN_PREFIX } from '../../../contract/ids';
import { USER_HEADER } from '../forward-headers';
import { ACCESS_LOG_FORMAT, ACCESS_RING, ACTIVATOR_SERVER } from './haproxy-access';
import { CLIENT_KEEP_ALIVE_MS } from '../data-plane';
import { SERVICE_PORT_HEADER } from '../forward-headers';
import { SESSION_TTL_MS } from '../node/session-pins';

/** One worker as HAProxy knows it: a server of its app's backend. */
export interface HaproxyServer {
  id: string;
  /** Where it listens: loopback, or its container's address. */
  host: string;
  /** Its main port. */
  port: number;
  /** Each port it declares (`x-everai-port`), the main one included, and where it listens for it. */
  servicePorts: Record<string, number>;
  /** REMOVE: in maintenance, it takes nothing new. */
  draining: boolean;
  /** HAProxy has it in maintenance (a drain told it so): it picks it for no request from now on. */
  inMaintenance: boolean;
}

export interface HaproxyBackend {
  appId: string;
  appName: string;
  concurrency: number;
  queueTimeoutMs: number;
  servers: HaproxyServer[];
}

export interface HaproxyFiles {
  /** Where the runtime API listens (admin level): the server drives HAProxy through it. */
  socket: string;
  /** The activator frontend's socket: each app's backup server, so only HAProxy reaches it. */
  activatorSocket: string;
  /** The dispatch frontend's socket: what the Node server forwards to a worker comes in there. */
  dispatchSocket: string;
  /** The Node server's socket for requests with large bodies (UPLOAD_BACKEND), beside its loopback port. */
  uploadSocket: string;
  routesMap: string;
  tokensMap: string;
}

/**
 * The descriptor HAProxy gets the public address's listening socket on: the server binds it
 * (port 0 too, which HAProxy cannot bind), and a reload hands it on to the new workers.
 */
export const PUBLIC_SOCKET_FD = 3;

export interface HaproxyConfigInput {
  /** The Node server's loopback port (API, registry, console, and the gateway as activator); it takes uploads on `files.uploadSocket` too. */
  nodePort: number;
  /** The port HAProxy's public socket listens on: the servers' ports are offsets from it (serverArgs). */
  publicPort: number;
  maxRequestBodyBytes: number;
  /** Proves to the Node server that a request came through the activator frontend (ACTIVATOR_HEADER). */
  activatorSecret: string;
  files: HaproxyFiles;
  backends: HaproxyBackend[];
}

/** Set by the activator frontend only: the request's app was checked by HAProxy, its caller in x-everai-user. */
export const ACTIVATOR_HEADER = 'x-everai-activator';
/** The app a request sent to the activator is for, set by its app's backend. */
export const ACTIVATED_APP_HEADER = 'x-everai-app-id';

/** The worker that answered a request the Node server sent through the dispatch frontend, for its access line; the client never gets it. */
export const DISPATCHED_WORKER_HEADER = 'x-everai-worker';
/** Set by the Node server on each request it sends through the dispatch frontend: the port its server offsets start from (dispatchPortFor). */
export const DISPATCH_PORT_HEADER = 'x-everai-dispatch-port';

/**
 * What follows the route prefix, as the worker's own path: both forms' prefixes are 5 segments
 * (`/api/routes/v1/NAMESPACE/NAME`, `/api/apps/v1/routes/ROUTE`).
 */
const STRIP_ROUTE_PREFIX = 'http-request set-path /%[path,field(7,/,0)]';

/** How often HAProxy checks a worker's port (a connect): a worker marked down is up again after two. */
const CHECK_INTERVAL_MS = 1000;

/**
 * The longest path HAProxy serves alone: its ring line logs the path from the request line it
 * keeps for logs (`tune.http.logurilen`, 1024 bytes with the method and version): a longer one
 * would be cut there.
 */
const LOGGED_PATH_BYTES = 900;
/** Room for a ring line (the longest path, a long method): longer ones would be cut. */
const ACCESS_LINE_BYTES = 4096;
/**
 * Paths HAProxy's log may encode (`#`, `"`, a backslash, `=`, a space or control character, bytes
 * outside printable ASCII): the Node server serves these, so the path of a ring line is the path as
 * it was sent.
 */
const ESCAPED_PATH = '[^!-~]|[="#\\\\]';

/**
 * Which of a path's `/`-separated fields (HAProxy's `field(index,/,count)`) make its route key:
 * `routes/v1/NAMESPACE/NAME` for `/api/routes/v1/NAMESPACE/NAME/...`, `apps/v1/routes/ROUTE` for
 * `/api/apps/v1/routes/ROUTE/...`: one lookup for both forms, and no key of one form is one of the other.
 */
export const ROUTE_KEY_FIELDS = '3,/,4';

/**
 * The backend of a request to the Node server whose body is chunked or over UPLOAD_BODY_BYTES (a
 * push's bytes, an image's layers): the Node server takes it on a socket of its own, where HAProxy
 * splices the body. What a GiB sent on to the Node server cost (3 GiB in 1 MiB writes, 3
 * alternating rounds on the 2-CPU VM, CPU from /proc):
 * - copied to its loopback port 16 KiB a system call: HAProxy 0.57-0.61 s, the Node server 0.52-0.55 s;
 * - spliced to its loopback port: HAProxy 0.28-0.29 s, the Node server 0.89-1.0 s;
 * - spliced to its socket: HAProxy 0.25-0.27 s, the Node server 0.39-0.45 s.
 * Answers cost HAProxy less the other way over loopback (0.29-0.34 s a GiB spliced, 0.41-0.43 s
 * from the socket), so everything else stays there.
 */
const UPLOAD_BACKEND = 'node_upload';
/**
 * A Content-Length of ten digits or more: a GB or more. HAProxy 2.6 reads a header's number as a
 * 32-bit one (req.hdr_val: 2^31 reads as -2^31, 2^32 and a KiB as a KiB), so such a body could
 * pass for a small one; where a small one may go straight to a worker, it goes to the Node server,
 * which reads the length whole (and a limit of a GB or more may still be right).
 */
const LONG_BODY = 'req.fhdr(content-length),length gt 9';
/** A body this large or chunked goes through UPLOAD_BACKEND: a few of HAProxy's 16 KiB buffers. */
const UPLOAD_BODY_BYTES = 64 * 1024;

/** Idle connections HAProxy keeps to each worker, at most: more than any app's concurrency needs. */
const IDLE_CONNECTIONS = 1024;

export const backendName = (appId: string): string => `app_${appId}`;
/**
 * A worker's server is named by its id alone, so the access line names the worker with HAProxy's
 * built-in `%s` (no sample fetch a request). Ids (22 base57 characters) never clash with the
 * activator's server or the stats' BACKEND line.
 */
export const serverName = (workerId: string): string => workerId;

/** An everai error body (`{"error": {"code", "message"}}`) as an HAProxy double-quoted string. */
function errorBody(code: ErrorCode, message: string): string {
  const json = JSON.stringify({ error: { code, message } });
  // Inside double quotes HAProxy reads backslash escapes and expands $VARIABLES.
  return `"${json.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** The errors HAProxy itself answers for an app, with the Node gateway's codes and JSON bodies. */
function errorLines(backend: HaproxyBackend): string[] {
  const queueTimeout = `no worker of app '${backend.appName}' could take the request within ${Math.round(backend.queueTimeoutMs / 1000)} s`;
  return [
    `  http-error status 503 content-type application/json hdr retry-after 5 string ${errorBody('EVERAI_QUEUE_TIMEOUT', queueTimeout)}`,
    `  http-error status 502 content-type application/json string ${errorBody('EVERAI_WORKER_FAILED', 'the worker failed before answering')}`,
  ];
}

/** 2^16: HAProxy adds a server's port offset to a request's port modulo this. */
const PORTS = 65536;

/**
 * A server's settings, as the config and `add server` take them: a worker takes at most
 * `concurrency` requests at once, to any of its ports; the backend's queue holds the rest.
 *
 * Its port is an offset from the port the request came to (HAProxy's `+N`/`-N`): a request HAProxy
 * routes alone came to the public port, which the offset turns into the worker's main port; one
 * the Node server sends to a service port comes through the dispatch frontend, which sets the port
 * that the same offset turns into the service port (dispatchPortFor). One server, with one
 * maxconn, so counts every request its worker holds, and the fast path pays for no rule.
 */
export function serverArgs(server: HaproxyServer, concurrency: number, publicPort: number): string {
  const offset = server.port - publicPort;
  const address = `${server.host}:${offset < 0 ? '' : '+'}${offset}`;
  // Keep-alive connections to the worker: a server added at runtime keeps none unless told both.
  const pool = `pool-max-conn ${IDLE_CONNECTIONS} pool-purge-delay 5s`;
  // A worker that dies is down at its first failed connection, before the controller hears of it:
  // the request's retry then goes to another worker, or to the activator when it was the only one.
  // Checks go to the main port itself: an offset server has no port of its own.
  const health = `check port ${server.port} inter ${CHECK_INTERVAL_MS} observe layer4 error-limit 1 on-error mark-down`;
  return `${address} maxconn ${concurrency} ${pool} ${health}${server.draining ? ' disabled' : ''}`;
}

/**
 * The port a request must come to for each server's offset (serverArgs) to reach the service port
 * `declared` on its worker: one port serves only if every server keeps that port at the same
 * distance from its main port (containers keep the declared ports, the process runtime keeps their
 * distances). Undefined when they do not, or when one lacks the port. A draining server counts
 * until its maintenance is set, as HAProxy may pick it till then; not after, so an upgrade that
 * moved the main port sends service ports through HAProxy again once the old workers take nothing.
 */
export function dispatchPortFor(servers: Iterable<HaproxyServer>, declared: string, publicPort: number): number | undefined {
  let distance: number | undefined;
  for (const server of servers) {
    if (server.inMaintenance) continue;
    const real = server.servicePorts[declared];
    if (real === undefined || (distance !== undefined && real - server.port !== distance)) return undefined;
    distance = real - server.port;
  }
  return distance === undefined ? undefined : (((publicPort + distance) % PORTS) + PORTS) % PORTS;
}

/**
 * A backend to the Node server at `address`, splicing what flows that way. On the loopback
 * backend, what the Node server sends (a pull's bytes): HAProxy moves the pages, where copying
 * them 16 KiB a system call cost it 0.5-0.68 s a GiB pulled, 0.25-0.3 s so, and the CLI receiving
 * them spent no more. The Node server logs (and counts) what it serves itself, so HAProxy does
 * not: set here, not in the frontend, a rule the fast path never runs.
 */
function nodeBackend(name: string, address: string, splice: 'request' | 'response'): string[] {
  return [`backend ${name}`, '  http-request set-log-level silent', `  option splice-${splice}`, '  option forwardfor', `  server node ${address}`, ''];
}

/**
 * HAProxy's whole config, generated from the apps and workers the server routes to, never edited
 * by hand. A request takes the fast path (straight to a worker) only when every check the Node
 * gateway makes holds here too: a route the routes map names (an app not paused, with a worker),
 * a bearer platform token the tokens map knows (its sha256, as the store keeps it) whose user owns
 * a private app, no body over the limit, no service port, no chunked body. Anything else goes to
 * the Node server, which answers it as it always did (401, 404, 413, 503, the queue at zero).
 */
export function renderHaproxyConfig(input: HaproxyConfigInput): string {
  const { files } = input;
  const lines = [
    'global',
    `  stats socket ${files.socket} mode 600 level admin expose-fd listeners`,
    '  master-worker',
    '  hard-stop-after 10m',
    // One thread takes connections in the order they came, as the Node gateway does: with several,
    // a request sent after another may reach a full worker's queue first.
    '  nbthread 1',
    // HAProxy's default buffer size (16 KiB: request headers up to about 15 KiB; Node's limit is
    // 16 KiB): to retry an idempotent request (retry-on empty-response) HAProxy copies a whole
    // buffer for each request it sends. At 32 KiB that copy cost 0.8 µs more a request (18.8 ->
    // 19.5 µs, 12 alternating rounds), though volume pulls and pushes through HAProxy, a read and a
    // send each 16 KiB, were 7-12% faster (2 GiB: 2.22 -> 1.95 s, 2.93 -> 2.73 s).
    '',
    `ring ${ACCESS_RING}`,
    '  format raw',
    `  maxlen ${ACCESS_LINE_BYTES}`,
    '  size 4194304',
    '',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    // Streams and long requests: the Node gateway puts no limit on them either.
    '  timeout client 24h',
    '  timeout server 24h',
    '  timeout tunnel 24h',
    '  timeout http-request 5m',
    `  timeout http-keep-alive ${CLIENT_KEEP_ALIVE_MS}ms`,
    // A client gone ends its request at the worker too, as with the Node gateway: its place is free at once.
    '  option abortonclose',
    // A reload (an app added or removed) must not cut other apps' clients: the old HAProxy keeps an
    // idle keep-alive connection open and answers its next request with `Connection: close`,
    // where by default it would close it under a client that may be sending on it that instant.
    '  option idle-close-on-response',
    '',
    'frontend public',
    `  bind fd@${PUBLIC_SOCKET_FD}`,
    `  log ring@${ACCESS_RING} len ${ACCESS_LINE_BYTES} local0 info`,
    `  log-format "${ACCESS_LOG_FORMAT}"`,
    // The route key is the path's 3rd to 6th segments (ROUTE_KEY_FIELDS), both route forms at once.
    `  http-request set-var(txn.route) path,field(${ROUTE_KEY_FIELDS}),map(${files.routesMap}) if { path_beg /api/ }`,
    '  acl routed var(txn.route) -m found',
    // As the Node gateway tells a platform token (any white space after the scheme) and takes the
    // token (the word after the first space: tokenFromRequest).
    `  acl bearer req.fhdr(authorization) -m reg -i ^bearer\\s+${TOKEN_PREFIX}`,
    // The token's sha256 is kept for the connection (session variables) with the header it came from,
    // byte for byte, and reused while the connection's requests bring that same header (a client
    // sends the same token on each): only a hash the header gave is ever paired with it. The map
    // lookup stays per request, so a revoked token fails at its next request.
    '  acl same_auth req.fhdr(authorization),strcmp(sess.auth) eq 0',
    '  http-request set-var(txn.token) req.fhdr(authorization),field(2,\\ ),sha2(256),hex,lower if !same_auth routed bearer',
    '  acl new_token var(txn.token) -m found',
    '  http-request set-var(sess.token) var(txn.token) if new_token',
    '  http-request set-var(sess.auth) req.fhdr(authorization) if new_token',
    `  http-request set-var(txn.caller) var(sess.token),map(${files.tokensMap}) if routed same_auth`,
    // Set for a routed request only: the acls below that read it hold for routed requests only.
    '  http-request set-var(txn.owner) var(txn.route),field(2,|)',
    '  acl public var(txn.owner) -m str *',
    '  acl owner_calls var(txn.caller),field(1,|),strcmp(txn.owner) eq 0',
    '  acl known_caller var(txn.caller) -m found',
    '  acl has_auth req.fhdr(authorization) -m found',
    '  acl basic req.fhdr(authorization) -m reg -i ^basic\\s',
    `  acl node_only req.hdr(${SERVICE_PORT_HEADER}) -m found`,
    '  acl node_only req.hdr(transfer-encoding) -m found',
    `  acl node_only ${LONG_BODY}`,
    `  acl node_only req.hdr_val(content-length) gt ${input.maxRequestBodyBytes}`,
    `  acl node_only path -m len ${LOGGED_PATH_BYTES + 1}:`,
    `  acl node_only path -m reg '${ESCAPED_PATH}'`,
    // Only the activator frontend vouches for a request: a client's own claim is dropped.
    `  http-request del-header ${ACTIVATOR_HEADER}`,
    `  http-request del-header ${ACTIVATED_APP_HEADER}`,
    // The fast path: the owner's platform token; or a public app called with no credentials, or its
    // own (not a platform token), or a platform token the map knows. One rule: its terms stop at the
    // first that holds, and node_only is read only once the caller may take it.
    '  use_backend %[var(txn.route),field(1,|)] if owner_calls !node_only || public !has_auth !node_only || public !bearer !basic !node_only || public known_caller !node_only',
    '  acl upload req.hdr(transfer-encoding) -m found',
    `  acl upload req.hdr_val(content-length) gt ${UPLOAD_BODY_BYTES}`,
    `  acl upload ${LONG_BODY}`,
    `  use_backend ${UPLOAD_BACKEND} if upload`,
    '  default_backend node',
    '',
    // What an app's backend cannot serve (no worker up: its only one died, or the last one drains)
    // goes to the Node gateway as it is, checked and rewritten, to wait in its queue for the next
    // worker. A socket in the server's own folder (mode 0700): no one else reaches it.
    'frontend activator',
    `  bind unix@${files.activatorSocket} mode 600`,
    `  http-request set-header ${ACTIVATOR_HEADER} ${input.activatorSecret}`,
    '  default_backend node',
    '',
    // What the Node server forwards to a worker (a request it held while its app had no worker, a
    // chunked body, a long path, a service port), checked and rewritten, with its app in a header: the
    // app's backend queues it and picks the worker, counting it against maxconn with the requests
    // HAProxy takes itself. The target keeps a route prefix, which the backend strips.
    'frontend dispatch',
    `  bind unix@${files.dispatchSocket} mode 600`,
    // The path as the client sent it, which the Node server took (bytes HAProxy's parser refuses).
    '  option accept-invalid-http-request',
    `  http-request set-var(txn.app) req.hdr(${ACTIVATED_APP_HEADER})`,
    `  http-request del-header ${ACTIVATED_APP_HEADER}`,
    // The caller the Node server authenticated, kept as the public frontend keeps a token's: the backend sets x-everai-user from it.
    `  http-request set-var-fmt(txn.caller) "-|%[req.fhdr(${USER_HEADER})]" if { req.fhdr(${USER_HEADER}) -m found }`,
    // The port the backend's server offsets start from (serverArgs), which the Node server names
    // for each request (in place of any the client sent): the public port, for the main port.
    `  http-request set-dst-port req.hdr(${DISPATCH_PORT_HEADER})`,
    `  http-request del-header ${DISPATCH_PORT_HEADER}`,
    // A request the activator served came back through another dispatch, which named its worker.
    `  http-response set-header ${DISPATCHED_WORKER_HEADER} %[srv_name] unless { srv_name ${ACTIVATOR_SERVER} }`,
    `  use_backend ${backendName('')}%[var(txn.app)]`,
    // An app this HAProxy has no backend for (a connection to the old one, during a reload): the
    // Node server takes the request back as one no worker could take, and sends it again.
    '  default_backend unloaded',
    '',
    'backend unloaded',
    `  ${STRIP_ROUTE_PREFIX}`,
    `  http-request set-header ${ACTIVATED_APP_HEADER} %[var(txn.app)]`,
    `  server ${ACTIVATOR_SERVER} unix@${files.activatorSocket}`,
    '',
    ...nodeBackend('node', `127.0.0.1:${input.nodePort}`, 'response'),
    ...nodeBackend(UPLOAD_BACKEND, `unix@${files.uploadSocket}`, 'request'),
  ];
  for (const backend of input.backends) {
    lines.push(
      `backend ${backendName(backend.appId)}`,
      // add server needs a dynamic balance algorithm.
      '  balance leastconn',
      `  timeout queue ${backend.queueTimeoutMs}`,
      // A worker that refused or died before answering: another one takes an idempotent request.
      '  retries 3',
      '  option redispatch 1',
      '  retry-on conn-failure empty-response',
      '  http-request disable-l7-retry unless METH_GET || METH_HEAD || METH_OPTIONS',
      // Rewritten here, in the app's backend, not in the frontend: a request that falls back to the
      // Node server (a backend a reload has not brought yet) reaches it as the client sent it.
      `  http-request set-header ${USER_HEADER} %[var(txn.caller),field(2,|)] if { var(txn.caller) -m found }`,
      `  http-request del-header ${USER_HEADER} unless { var(txn.caller) -m found }`,
      // A request here carries a platform token only as a known caller's bearer (the frontend sends
      // any other to the Node server).
      '  http-request del-header authorization if { var(txn.caller) -m found }',
      `  ${STRIP_ROUTE_PREFIX}`,
      // Keep-Alive is hop by hop: the worker's speaks of its connection to HAProxy. The client is
      // told HAProxy's own idle timeout, as the Node gateway tells its own.
      `  http-response set-header keep-alive timeout=${CLIENT_KEEP_ALIVE_MS / 1000}`,
      `  stick-table type string len 128 size 100k expire ${SESSION_TTL_MS} srvkey name`,
      '  stick on req.hdr(x-everai-session-id)',
      // add-header, not set-header: the frontend dropped any the client sent.
      `  http-request add-header ${ACTIVATED_APP_HEADER} ${backend.appId}`,
      ...errorLines(backend),
      // non-stick: a session is never pinned to the activator, whose requests come back through the
      // dispatch frontend: pinned, they would go to it again, and again.
      `  server ${ACTIVATOR_SERVER} unix@${files.activatorSocket} backup non-stick`,
      ...backend.servers.map((s) => `  server ${serverName(s.id)} ${serverArgs(s, backend.concurrency, input.publicPort)}`),
      '',
    );
  }
  return lines.join('\n');
}
