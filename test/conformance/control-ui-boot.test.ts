import { priorChatTurn, chatVectorGateway, QUICK_TEXT } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// The real Control UI booting: device-signed webchat connect, the pipelined boot requests,
// chat.startup of a session that already holds a turn.
describeVector({ name: 'control-ui-boot', gateway: await chatVectorGateway(QUICK_TEXT), setup: (url) => priorChatTurn(url) });
