import { describeVector } from './vector-suite.js';

// Real CLI `openclaw gateway probe`: probe-mode connect and four pipelined requests.
describeVector({ name: 'gateway-probe' });
