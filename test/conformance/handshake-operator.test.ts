import { describeVector } from './vector-suite.js';

// Real CLI `gateway call health`: challenge → connect → hello-ok → health → client close (1005) → server 1000.
describeVector({ name: 'handshake-operator' });
