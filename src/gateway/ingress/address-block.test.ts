import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressBlockOf } from './address-block.js';

describe('addressBlockOf', () => {
  it('keeps an IPv4 address, also when written as IPv4-mapped IPv6', () => {
    assert.equal(addressBlockOf('203.0.113.7'), '203.0.113.7');
    assert.equal(addressBlockOf('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressBlockOf('::FFFF:127.0.0.1'), '127.0.0.1');
  });

  it('puts every address of one IPv6 /64 in the same block, and other /64s in others', () => {
    const a = addressBlockOf('2001:db8:1:2::1');
    assert.equal(a, '2001:db8:1:2::/64');
    assert.equal(addressBlockOf('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff'), a);
    assert.equal(addressBlockOf('2001:db8:1:2:a:b:c:d%eth0'), a);
    assert.notEqual(addressBlockOf('2001:db8:1:3::1'), a);
    assert.equal(addressBlockOf('fe80::1'), 'fe80:0:0:0::/64');
    assert.equal(addressBlockOf('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  });

  it('keeps loopback ::1 and non-addresses as they are', () => {
    assert.equal(addressBlockOf('::1'), '::1');
    assert.equal(addressBlockOf(''), '');
    assert.equal(addressBlockOf('not-an-ip'), 'not-an-ip');
  });
});
