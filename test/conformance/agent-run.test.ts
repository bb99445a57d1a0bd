import { chatVectorGateway, FAIL_MODEL, priorChatTurn, QUICK_TEXT, STREAM_TEXT } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// `agent` (accepted, then the final answer under the same id), agent.wait, a failing model.
// The capturing gateway had answered turns before (no first-run chat.metadata.changed).
describeVector({ name: 'agent-run', gateway: await chatVectorGateway(QUICK_TEXT, STREAM_TEXT, FAIL_MODEL), setup: (url) => priorChatTurn(url) });
