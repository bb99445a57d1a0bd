import { describeVector, MANUAL_PAIRING_GATEWAY } from './vector-suite.js';
import { pairDevice, RAW_OPERATOR_CONNECT } from './device-setup.js';

// Device-proof refusals (bad signature, stale signedAt, foreign nonce, id not the key's hash) and
// a legacy v2 signature accepted. The capture's device was already paired (by the session of
// device-pairing-operator); here it is paired first.
describeVector({
  name: 'device-auth-errors',
  gateway: MANUAL_PAIRING_GATEWAY,
  setup: (url, session) => pairDevice(url, session.deviceFor('8WfEA-8ftkMW4rHmtMBgf-wyfRrcejKkSye773BYupE'), RAW_OPERATOR_CONNECT),
});
