import { describeVector } from './vector-suite.js';

// Malformed, oversized and out-of-order frames before and after the handshake.
describeVector({ name: 'bad-frames' });
