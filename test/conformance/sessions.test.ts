import { chatVectorGateway, STREAM_TEXT } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// sessions.create / patch / preview / reset / delete around one turn in the new session.
describeVector({ name: 'sessions', gateway: await chatVectorGateway(STREAM_TEXT) });
