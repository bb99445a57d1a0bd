import { describeVector, MANUAL_PAIRING_GATEWAY } from './vector-suite.js';
import { NODE_HOST_CONNECT, pairDevice } from './device-setup.js';

// The real CLI with a device identity that is paired for role node only: role-upgrade request,
// approval by a device-less pairing operator, then hello-ok with the operator device token.
describeVector({
  name: 'handshake-operator-device',
  gateway: MANUAL_PAIRING_GATEWAY,
  setup: (url, session) => pairDevice(url, session.deviceFor('bSOQiAvHKZfAqu-cwbQliSqIMErbsFWne02nCQ8h8Ek'), NODE_HOST_CONNECT),
});
