import { chatVectorGateway, priorChatTurn, QUICK_TEXT, SLOW_STREAM } from './chat-vector-gateway.js';
import { describeVector } from './vector-suite.js';

// chat.abort after the third delta, the replay of the aborted key, history, abort with nothing running.
describeVector({
  name: 'chat-abort',
  gateway: await chatVectorGateway(QUICK_TEXT, SLOW_STREAM),
  setup: async (url) => await priorChatTurn(url),
});
