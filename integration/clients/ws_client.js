// node `ws` as an echo client, for integration/test_compression_interop.py.
// Run with NODE_PATH=/usr/share/nodejs (Debian's node-ws). One argument, a
// JSON object:
//   url                the echo route, ws://HOST:PORT/PATH
//   perMessageDeflate  what `ws` is given: true, false or its options object
//   messages           [{kind: "random"|"repetitive"|"json", size, binary}]
//   timeoutMs          the whole run's bound
// It connects, sends each message and waits for its echo before the next,
// compares the echo byte for byte and type for type, and closes with 1000.
// Prints one JSON line: {extensions (ws.extensions, the names taken),
// params (permessage-deflate's parameters as `ws` accepted them, or null),
// sizes (each message's bytes as sent), closeCode}; or {error} and exit 1.
'use strict';

const crypto = require('crypto');
const WebSocket = require('ws');

const spec = JSON.parse(process.argv[2]);

function fail(error) {
  process.stdout.write(JSON.stringify({ error: String(error) }) + '\n');
  process.exit(1);
}

// JSON chat records cut to `size` characters: text shaped like a hub's.
function jsonText(size) {
  const words = ['hello', 'room', 'lobby', 'typing', 'ok', 'ünïcode', '42', 'ready'];
  const records = [];
  let length = 0;
  for (let seq = 0; length < size; ++seq) {
    const text = words.slice(0, 1 + (seq % words.length)).join(' ');
    const record = JSON.stringify({ type: 'message', room: words[seq % 5], seq, data: { text } });
    records.push(record);
    length += record.length + 1;
  }
  return records.join('\n').slice(0, size);
}

// A message of `size` characters (text) or bytes (binary).
function makeMessage({ kind, size, binary }) {
  let text;
  if (kind === 'random') {
    if (binary) return crypto.randomBytes(size);
    text = crypto.randomBytes(Math.ceil(size / 2)).toString('hex').slice(0, size);
  } else if (kind === 'repetitive') {
    text = 'the same few words again and again. '.repeat(Math.ceil(size / 36) + 1).slice(0, size);
  } else {
    text = jsonText(size);
  }
  return binary ? Buffer.from(text, 'utf8').subarray(0, size) : text;
}

function sameMessage(sent, data, isBinary) {
  if (Buffer.isBuffer(sent)) return isBinary && Buffer.compare(sent, data) === 0;
  return !isBinary && data.toString('utf8') === sent;
}

const timer = setTimeout(() => fail(`no end within ${spec.timeoutMs} ms`), spec.timeoutMs);
const messages = spec.messages.map(makeMessage);
const ws = new WebSocket(spec.url, { perMessageDeflate: spec.perMessageDeflate });
let next = 0;

function sendNext() {
  if (next === messages.length) {
    ws.close(1000);
    return;
  }
  ws.send(messages[next], { binary: Buffer.isBuffer(messages[next]) });
}

ws.on('open', sendNext);
ws.on('message', (data, isBinary) => {
  if (next >= messages.length) fail('a message after the last echo');
  if (!sameMessage(messages[next], data, isBinary)) {
    fail(`echo ${next} differs: sent ${messages[next].length} (${typeof messages[next]}), got ${data.length} binary=${isBinary}`);
  }
  ++next;
  sendNext();
});
ws.on('error', (e) => fail(e.message));
ws.on('close', (code) => {
  clearTimeout(timer);
  if (next !== messages.length) fail(`closed ${code} after ${next} of ${messages.length} echoes`);
  const deflate = ws._extensions['permessage-deflate'];
  process.stdout.write(JSON.stringify({
    extensions: ws.extensions,
    params: deflate ? deflate.params : null,
    sizes: messages.map((m) => Buffer.byteLength(m)),
    closeCode: code,
  }) + '\n');
});
