// 64-bit protobuf fields (offsets, flags) as JS numbers, not `Long` objects: protobufjs' documented
// switch. Imported before the generated code (messages.ts), whose defaults are computed when it loads.
// Values above 2^53 lose precision; where they matter they are refused (Number.isSafeInteger).

import protobuf from 'protobufjs/minimal.js';

protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
