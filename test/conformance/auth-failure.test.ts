import { describeVector } from './vector-suite.js';

// Handshake rejections: res ok:false for the connect, then close 1008 (1002 for a protocol mismatch);
// the follow-up request after the error must stay unanswered.
describeVector({ name: 'auth-failure' });
