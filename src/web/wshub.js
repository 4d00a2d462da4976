// wshub.js: a client for wshub's json protocol (README "wshub.js"), an ES
// module with no dependencies, served by wshub itself at /wshub.js.
//
//   import { connect } from "/wshub.js";
//   const hub = connect({ url: "/ws" });
//   hub.on("message", (m) => console.log(m.from, m.data));
//   await hub.join("chess");
//   hub.message("chess", { move: "e4" });
//
// It reconnects after any loss, waiting a random time up to a ceiling that
// doubles with each failed attempt (capped exponential backoff with full
// jitter, so a restarted server is not met by every client at once), and
// joins its rooms again once welcomed. Requests that have a reply (join,
// leave, rooms, members, refresh) return a promise matched to the reply by
// "ref", rejected with a WshubError on an error reply or a disconnect.

const DEFAULTS = {
  url: "/ws",            // resolved against the page: "/ws" is ws://this-host/ws
  token: null,           // a JWT, or a function returning one (or a promise of one), asked at each connect
  protocol: "wshub",     // offered beside "bearer.<token>": the server must list it (--subprotocol)
  minDelay: 250,         // ms: the first retry's ceiling
  maxDelay: 10000,       // ms: no ceiling above this
  reconnect: true,
};

export class WshubError extends Error {
  constructor(code, message, reply = null) {
    super(message || code);
    this.name = "WshubError";
    this.code = code;    // the server's error code, or "disconnected" / "not_connected"
    this.reply = reply;  // the error reply itself, when there was one
  }
}

// ws: or wss: URL of `url` relative to `base` (the page's address).
export function webSocketUrl(url, base = globalThis.location?.href) {
  const u = new URL(url, base);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  return u.href;
}

// Full jitter: uniform in [0, min(maxDelay, minDelay * 2^attempt)).
export function backoffDelay(attempt, minDelay, maxDelay, random = Math.random) {
  return Math.floor(random() * Math.min(maxDelay, minDelay * 2 ** attempt));
}

export function connect(options = {}) {
  const hub = new Hub(options);
  hub.open();
  return hub;
}

export class Hub {
  constructor(options = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.id = null;          // this connection's id, from welcome
    this.user = null;        // the token's sub, on a ,auth route
    this.ws = null;
    this.joined = new Map();  // room -> its join request, made again after a reconnect
    this.pending = new Map();  // ref -> { resolve, reject }
    this.listeners = new Map();
    this.nextRef = 1;
    this.attempt = 0;        // failed connects since the last welcome
    this.timer = null;
    this.closed = false;
  }

  get connected() { return this.id !== null; }

  // Events: open, welcome, joined, message, direct, presence, error, close.
  // Returns a function that removes the listener.
  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
    return () => this.listeners.get(type).delete(listener);
  }

  emit(type, detail) {
    for (const listener of this.listeners.get(type) || []) {
      try { listener(detail); } catch (err) { console.error("wshub.js listener for", type, err); }
    }
  }

  async open() {
    const { url, token, protocol } = this.options;
    let protocols = [];
    try {
      const jwt = typeof token === "function" ? await token() : token;
      if (jwt) protocols = [protocol, "bearer." + jwt];
    } catch (err) {
      return this.lost({ code: 0, reason: "token: " + err.message });
    }
    if (this.closed) return;
    const ws = new WebSocket(webSocketUrl(url), protocols);
    this.ws = ws;
    ws.onopen = () => this.emit("open", { url: ws.url, protocol: ws.protocol });
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = (e) => { if (this.ws === ws) this.lost(e); };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
  }

  receive(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return this.emit("error", { code: "bad_json", message: text }); }
    const waiting = msg.ref !== undefined && this.pending.get(msg.ref);
    if (waiting) {
      this.pending.delete(msg.ref);
      if (msg.type === "error") waiting.reject(new WshubError(msg.code, msg.message, msg));
      else waiting.resolve(msg);
    }
    if (msg.type === "welcome") this.welcomed(msg);
    else if (msg.type === "error" && !waiting) this.emit("error", msg);
    else if (["message", "direct", "presence", "joined"].includes(msg.type)) this.emit(msg.type, msg);
  }

  welcomed(msg) {
    this.id = msg.id;
    this.user = msg.user ?? null;
    this.attempt = 0;
    this.emit("welcome", msg);
    for (const [room, request] of this.joined) {
      this.request(request).catch((err) => {
        if (err.code === "disconnected") return;  // kept for the next connection
        this.joined.delete(room);
        this.emit("error", { code: err.code, message: `rejoining ${room}: ${err.message}`, room });
      });
    }
  }

  lost(e) {
    this.ws = null;
    this.id = null;
    for (const { reject } of this.pending.values()) reject(new WshubError("disconnected", "connection lost"));
    this.pending.clear();
    const retry = this.options.reconnect && !this.closed;
    const delay = retry ? backoffDelay(this.attempt++, this.options.minDelay, this.options.maxDelay) : null;
    this.emit("close", { code: e.code, reason: e.reason, retryIn: delay });
    if (retry) this.timer = setTimeout(() => this.open(), delay);
  }

  // Sends `body` with a fresh ref; resolves with the reply.
  request(body) {
    if (!this.connected) return Promise.reject(new WshubError("not_connected", "not connected"));
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      this.ws.send(JSON.stringify({ ...body, ref }));
    });
  }

  // Sends a request that has no reply; false when not connected. An error
  // about it arrives as an "error" event carrying the ref returned.
  post(body) {
    if (!this.connected) return false;
    const ref = this.nextRef++;
    this.ws.send(JSON.stringify({ ...body, ref }));
    return ref;
  }

  // options: { password, list } (list: ask for the members with the reply).
  async join(room, options = {}) {
    const request = { type: "join", room, ...options };
    const reply = await this.request(request);
    this.joined.set(room, request);
    return reply;
  }

  leave(room) {
    this.joined.delete(room);
    return this.request({ type: "leave", room });
  }

  message(room, data) { return this.post({ type: "message", room, data }); }
  direct(to, data) { return this.post({ type: "direct", to, data }); }
  async rooms() { return (await this.request({ type: "rooms" })).rooms; }
  members(room) { return this.request({ type: "members", room }); }
  refresh(token) { return this.request({ type: "refresh", token }); }
}
