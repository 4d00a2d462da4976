// The Socket.IO 4 peer of wshub's benchmark (scripts/bench.sh, the nodes
// case): a benchmark fixture, never part of wshub.
//
// usage: node server.js PORT [REDIS_URL]
//
// Listens on 127.0.0.1:PORT, WebSocket transport only (no HTTP long-polling,
// no per-message compression: wshub's side of the comparison runs without
// compression too). Given REDIS_URL (redis://127.0.0.1:6379), rooms are shared
// with every other server given the same Redis through @socket.io/redis-adapter,
// on the `redis` client: two connections, one to publish, one to subscribe.
//
// Events a client may emit:
//   join (room, ack)      joins room; ack() once it is a member
//   pub (room, payload)   emits msg(payload) to every member of room, on every
//                         node, except the sender; the payload is passed on as
//                         it came (wsbench sends a string)
// Prints "listening PORT" on stdout once it accepts connections.
"use strict";

const http = require("http");
const { Server } = require("socket.io");

function usage() {
  console.error("usage: node server.js PORT [REDIS_URL]");
  process.exit(2);
}

async function redisAdapter(url) {
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  for (const c of [pubClient, subClient]) c.on("error", (err) => console.error("redis:", err.message));
  await Promise.all([pubClient.connect(), subClient.connect()]);
  return createAdapter(pubClient, subClient);
}

function serve(io) {
  io.on("connection", (socket) => {
    socket.on("join", (room, ack) => {
      socket.join(String(room));
      if (typeof ack === "function") ack();
    });
    socket.on("pub", (room, payload) => {
      socket.to(String(room)).emit("msg", payload);
    });
  });
}

async function main() {
  const [portText, redisUrl] = process.argv.slice(2);
  const port = Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) usage();
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    transports: ["websocket"],
    perMessageDeflate: false,
    serveClient: false,
  });
  if (redisUrl) io.adapter(await redisAdapter(redisUrl));
  serve(io);
  httpServer.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
}

main().catch((err) => {
  console.error("server.js:", err.message);
  process.exit(1);
});
