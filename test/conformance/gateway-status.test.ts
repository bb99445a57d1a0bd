import { describeVector } from './vector-suite.js';

// Real CLI `openclaw gateway status`: probe-mode connect only.
describeVector({ name: 'gateway-status' });
