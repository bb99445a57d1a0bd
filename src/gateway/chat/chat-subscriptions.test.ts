import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatSubscriptions } from './chat-subscriptions.js';

describe('ChatSubscriptions.hasSubscriber (the chat service builds session events only when someone listens)', () => {
  it('reports a session key as heard only while some connection subscribed to its messages', () => {
    const subs = new ChatSubscriptions();
    assert.equal(subs.hasSubscriber({ kind: 'session', sessionKey: 'agent:main:main' }), false);
    subs.subscribeMessages('c1', 'agent:main:main');
    assert.equal(subs.hasSubscriber({ kind: 'session', sessionKey: 'agent:main:main' }), true);
    assert.equal(subs.hasSubscriber({ kind: 'session', sessionKey: 'agent:main:other' }), false);
    subs.unsubscribeMessages('c1', 'agent:main:main');
    assert.equal(subs.hasSubscriber({ kind: 'session', sessionKey: 'agent:main:main' }), false);
  });

  it('reports sessions.changed as heard only while a connection called sessions.subscribe, until it closes', () => {
    const subs = new ChatSubscriptions();
    assert.equal(subs.hasSubscriber({ kind: 'sessions' }), false);
    subs.subscribeSessions('c1');
    assert.equal(subs.hasSubscriber({ kind: 'sessions' }), true);
    subs.drop('c1');
    assert.equal(subs.hasSubscriber({ kind: 'sessions' }), false);
  });

  it('always builds run and operator events: they need no subscription', () => {
    const subs = new ChatSubscriptions();
    assert.equal(subs.hasSubscriber({ kind: 'run', sessionKey: 'agent:main:main' }), true);
    assert.equal(subs.hasSubscriber({ kind: 'operators' }), true);
  });
});
