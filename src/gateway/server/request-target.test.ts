import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestPath } from './request-target.js';

describe('requestPath (issue 12.1)', () => {
  it('reads origin-form targets as paths on this gateway', () => {
    assert.equal(requestPath('/'), '/');
    assert.equal(requestPath('/healthz?x=1#y'), '/healthz');
    assert.equal(requestPath('/readyz'), '/readyz');
  });

  it('never reads a leading // as a host, and never throws', () => {
    for (const target of ['//', '//@', '//:99999', '/\\', '//[', '//a:b@c:d', '/%', '/%zz', '//\u0000']) {
      const path = requestPath(target);
      assert.ok(path === undefined || path.startsWith('/'), `${JSON.stringify(target)} → ${path}`);
      assert.notEqual(path, '/', `${JSON.stringify(target)} must not reach the WebSocket path`);
    }
    assert.equal(requestPath('//healthz'), '//healthz');
  });

  it('reads a plain path as the URL parser does, dot segments and escapes included', () => {
    const targets = ['/', '/ui', '/ui/', '/a/b.c/d-e_f~g', '/a/./b', '/a/../b', '/.', '/..', '/a/.', '/a/..', '/.hidden', '/a..b', '/%41', '/a//b', '/a?', '/A/B'];
    for (const target of targets) assert.equal(requestPath(target), new URL(`http://gateway${target}`).pathname, target);
  });

  it('accepts absolute-form and refuses everything else', () => {
    assert.equal(requestPath('http://127.0.0.1:18789/healthz'), '/healthz');
    assert.equal(requestPath('http://[::1/'), undefined);
    assert.equal(requestPath('*'), undefined);
    assert.equal(requestPath('127.0.0.1:18789'), undefined);
    assert.equal(requestPath(''), undefined);
    assert.equal(requestPath(undefined), undefined);
    assert.equal(requestPath(`/${'a'.repeat(9000)}`), undefined);
  });
});
