import { chatVectorGateway, priorChatTurn, QUICK_TEXT, STREAM_TEXT } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// sessions.create / patch / preview / reset / delete around one turn in the new session.
// The capturing gateway had answered turns before (no first-run chat.metadata.changed).
describeVector({ name: 'sessions', gateway: await chatVectorGateway(QUICK_TEXT, STREAM_TEXT), setup: (url) => priorChatTurn(url) });
