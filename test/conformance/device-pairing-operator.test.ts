import { describeVector, MANUAL_PAIRING_GATEWAY } from './vector-suite.js';

// Full operator device lifecycle: pairing required, approval, device token, rotation (withheld
// and in-band), the rotated-away token refused, the self-rotating session closed 4001.
describeVector({ name: 'device-pairing-operator', gateway: MANUAL_PAIRING_GATEWAY });
