import { chatVectorGateway, STREAM_TEXT } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// chat.startup, sessions.*, chat.send with its whole event stream, history + delta cursor,
// the idempotent replay and chat.inject, over a device-authenticated raw client.
describeVector({ name: 'chat-stream', gateway: await chatVectorGateway(STREAM_TEXT) });
