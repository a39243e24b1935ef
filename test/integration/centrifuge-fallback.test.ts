// The same protocol suite as the WebSocket's (centrifuge-suite.ts) over centrifuge-js's fallback
// transports with bidirectional emulation: HTTP-streaming in JSON and protobuf, SSE in JSON. Each
// command after connect is a POST to /api/live/emulation; replies, pushes and pings come on the stream.

import { HTTP_STREAM_JSON, HTTP_STREAM_PROTOBUF, SSE_JSON } from '../helpers/fallback-client.js';
import { centrifugeProtocolSuite } from './centrifuge-suite.js';

centrifugeProtocolSuite(HTTP_STREAM_JSON);
centrifugeProtocolSuite(HTTP_STREAM_PROTOBUF);
centrifugeProtocolSuite(SSE_JSON);
