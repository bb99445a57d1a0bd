import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../infra/config.js';
import { resolveTelegramAccounts } from './telegram-config.js';

describe('Telegram accounts from config (channels.telegram.accounts.<id>)', () => {
  it('without accounts, the root is the one account "default" (its token from config or TELEGRAM_BOT_TOKEN)', () => {
    assert.deepEqual(resolveTelegramAccounts({ botToken: '1:a' }, {}).map((s) => [s.accountId, s.token]), [['default', '1:a']]);
    assert.deepEqual(resolveTelegramAccounts({}, { TELEGRAM_BOT_TOKEN: '1:env' }).map((s) => s.token), ['1:env']);
    assert.deepEqual(resolveTelegramAccounts({}, {}), []);
    assert.deepEqual(resolveTelegramAccounts({ enabled: false, botToken: '1:a' }, {}), []);
  });

  it('gives each account its own token, the root keys as defaults, the default account first', () => {
    const accounts = resolveTelegramAccounts({
      dmPolicy: 'open', allowFrom: ['*'], streaming: 'partial', botToken: '1:root',
      accounts: { Work: { botToken: '2:work', streaming: 'off' }, alerts: { tokenFile: '/nonexistent/never-read', enabled: false } },
    }, { TELEGRAM_BOT_TOKEN: '9:env' });
    assert.deepEqual(accounts.map((s) => [s.accountId, s.token, s.streaming, s.dmPolicy]), [
      ['default', '1:root', 'partial', 'open'],
      ['work', '2:work', 'off', 'open'],
    ]);
  });

  it('serves TELEGRAM_BOT_TOKEN to the default account only, and honours defaultAccount', () => {
    const accounts = resolveTelegramAccounts({ defaultAccount: 'b', accounts: { a: { botToken: '1:a' }, b: { botToken: '2:b' }, c: {} } }, { TELEGRAM_BOT_TOKEN: '9:env' });
    assert.deepEqual(accounts.map((s) => [s.accountId, s.token]), [['b', '2:b'], ['a', '1:a'], ['default', '9:env']]);
  });

  it('names the account in a config error', () => {
    assert.throws(() => resolveTelegramAccounts({ accounts: { work: { botToken: '2:w', dmPolicy: 'allowlist' } } }, {}),
      (e: unknown) => e instanceof ConfigError && e.message === 'channels.telegram.accounts.work: channels.telegram.dmPolicy "allowlist" needs channels.telegram.allowFrom');
  });
});
