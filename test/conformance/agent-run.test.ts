import { chatVectorGateway, FAIL_MODEL, STREAM_TEXT } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// `agent` (accepted, then the final answer under the same id), agent.wait, a failing model.
describeVector({ name: 'agent-run', gateway: await chatVectorGateway(STREAM_TEXT, FAIL_MODEL) });
