import { describeVector } from './vector-suite.js';

// Real CLI `openclaw status`: a scope-less probe connection (system-presence → FORBIDDEN),
// then a backend connection calling status.
describeVector({ name: 'status' });
