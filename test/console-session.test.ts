import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ConsoleSessions, cookieValue } from '../src/server/console/console-sessions';
import { forwardRequestHeaders } from '../src/server/gateway/forward-headers';

// The console's session cookie (docs/console.md): honoured only with the console's header, and
// never passed on to an app.

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('a session counts only with the cookie and the console header together', () => {
  const sessions = new ConsoleSessions();
  const id = sessions.create('hash-1');
  assert.equal(sessions.tokenHashOf(request({ cookie: `a=1; everai_session=${id}`, 'x-everai-console': '1' })), 'hash-1');
  assert.equal(sessions.tokenHashOf(request({ cookie: `everai_session=${id}` })), undefined, 'a cross-site request carries no such header');
  assert.equal(sessions.tokenHashOf(request({ cookie: 'everai_session=guessed', 'x-everai-console': '1' })), undefined);
  sessions.end(request({ cookie: `everai_session=${id}` }));
  assert.equal(sessions.tokenHashOf(request({ cookie: `everai_session=${id}`, 'x-everai-console': '1' })), undefined, 'signed out');
});

test('cookieValue finds one cookie among several', () => {
  assert.equal(cookieValue('a=1; everai_session=xyz; b=2', 'everai_session'), 'xyz');
  assert.equal(cookieValue('my_everai_session=no', 'everai_session'), undefined);
  assert.equal(cookieValue(undefined, 'everai_session'), undefined);
});

test('an app gets the cookies of its own, never the console session', () => {
  assert.deepEqual(forwardRequestHeaders({ cookie: 'theme=dark; everai_session=secret; cart=3' }, undefined), { cookie: 'theme=dark; cart=3' });
  assert.deepEqual(forwardRequestHeaders({ cookie: 'everai_session=secret' }, undefined), {});
  assert.deepEqual(forwardRequestHeaders({ cookie: 'theme=dark' }, undefined), { cookie: 'theme=dark' });
});
