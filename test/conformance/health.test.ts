import { describeVector } from './vector-suite.js';

// Real CLI `openclaw health` (gateway-client/backend, health without params).
describeVector({ name: 'health' });
