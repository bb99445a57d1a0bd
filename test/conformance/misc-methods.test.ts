import { describeVector, TOKEN_CONFIG_GATEWAY } from './vector-suite.js';

// Read-side methods called by the real CLI. The capture's gateway had a config file
// (config.get returned exists:true), so this one starts from a config file too.
describeVector({ name: 'misc-methods', gateway: TOKEN_CONFIG_GATEWAY });
