// The chat demo at /: pick a name and a room, see who is there, talk.
//
// The json protocol knows connections by id (and by a token's user), not by
// a chosen name, so the name travels in each message's data:
//   {"name":"ann","text":"hi"}   a chat line
//   {"name":"ann","hello":true}  sent on joining: "this is my name"
// and each member answers a hello with a direct {"name":..,"room":..,"here":true},
// so a newcomer learns the names of those already there. Who is in the room
// comes from the server: the list joined carries (or a members request),
// then presence events; servers without presence lists leave it to the
// hello answers.
import { connect } from "/wshub.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const hub = connect({ url: params.get("ws") || "/ws" });

const names = new Map();  // connection id -> the name it chose
let members = new Map();  // connection id -> { id, user } in the room joined
let truncated = false;    // the server listed only --max-members-list of them
let me = { name: "", room: null };

$("name").value = params.get("name") || `guest-${Math.floor(100 + Math.random() * 900)}`;
if (params.get("room")) $("room").value = params.get("room");

// A room message's or direct's sender: its id (on a ,auth route "from" is the user).
const senderOf = (m) => m.id ?? m.from;
const label = (id) => names.get(id) || members.get(id)?.user || `#${id}`;

function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

function log(kind, who, text) {
  const item = document.createElement("li");
  item.className = kind;
  const time = document.createElement("time");
  time.textContent = new Date().toTimeString().slice(0, 5);
  item.append(time);
  if (who !== null) {
    const b = document.createElement("b");
    b.className = "who";
    b.textContent = who;
    item.append(b);
  }
  const span = document.createElement("span");
  span.className = "text";
  span.textContent = text;
  item.append(span);
  $("log").append(item);
  item.scrollIntoView({ block: "end" });
}

function render() {
  const inRoom = me.room !== null && hub.connected;
  $("room-name").textContent = me.room ?? "no room yet";
  $("leave-button").disabled = me.room === null;
  $("text").disabled = $("send").disabled = !inRoom;
  $("text").placeholder = inRoom ? `Say something in ${me.room}` : "Join a room, then say something";
  const list = $("members");
  list.replaceChildren();
  // You first, then the others by name.
  const order = (id) => (id === hub.id ? "" : label(id));
  for (const id of [...members.keys()].sort((a, b) => order(a).localeCompare(order(b)))) {
    const item = document.createElement("li");
    item.dataset.id = id;
    item.textContent = label(id) + (id === hub.id ? " (you)" : "");
    if (id === hub.id) item.className = "me";
    list.append(item);
  }
  if (truncated) {
    const more = document.createElement("li");
    more.className = "more";
    more.textContent = "and others not listed";
    list.append(more);
  }
}

function forgetMembers() {
  members = new Map();
  truncated = false;
}

function addMember(id, user) {
  if (!members.has(id)) members.set(id, { id, user });
}

// After each joined reply (a join, a rejoin after a reconnect): who is there.
async function memberList(reply) {
  forgetMembers();
  addMember(hub.id, hub.user);
  let answer = reply;
  if (!answer.list) {
    try {
      answer = await hub.members(reply.room);
      answer.list = answer.members;
    } catch {
      answer = { list: [] };  // a server without presence lists: the hello answers fill it
    }
  }
  truncated = answer.truncated === true;
  for (const m of answer.list) addMember(m.id, m.user);
  render();
}

hub.on("welcome", (m) => {
  setStatus("open", `connected as #${m.id}` + (m.user ? ` (${m.user})` : ""));
  render();
});

hub.on("close", (e) => {
  forgetMembers();
  const retry = e.retryIn === null ? "" : `, retrying in ${(e.retryIn / 1000).toFixed(1)}s`;
  setStatus("closed", `disconnected (${e.code})${retry}`);
  render();
});

hub.on("joined", async (m) => {
  if (m.room !== me.room) return;
  names.set(hub.id, me.name);
  await memberList(m);
  hub.message(me.room, { name: me.name, hello: true });
});

hub.on("presence", (p) => {
  if (p.room !== me.room) return;
  if (p.event === "join") {
    addMember(p.id, p.user);
  } else if (p.event === "leave") {
    log("system", null, `${label(p.id)} left`);
    members.delete(p.id);
  }
  render();
});

hub.on("message", (m) => {
  const id = senderOf(m);
  if (m.room !== me.room || id === hub.id || typeof m.data !== "object" || m.data === null) return;
  if (typeof m.data.name === "string") names.set(id, m.data.name.slice(0, 32));
  addMember(id, typeof m.from === "string" ? m.from : undefined);
  if (m.data.hello) {
    log("system", null, `${label(id)} is here`);
    hub.direct(id, { name: me.name, room: me.room, here: true });
  } else if (typeof m.data.text === "string") {
    log("msg", label(id), m.data.text);
  }
  render();
});

hub.on("direct", (m) => {
  const id = senderOf(m);
  const data = m.data;
  if (!data?.here || data.room !== me.room || typeof data.name !== "string") return;
  names.set(id, data.name.slice(0, 32));
  addMember(id, typeof m.from === "string" ? m.from : undefined);
  render();
});

hub.on("error", (e) => log("system error", null, `error ${e.code}: ${e.message}`));

$("join").addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = $("name").value.trim();
  const room = $("room").value.trim();
  if (!name || !room) return;
  if (me.room !== null && me.room !== room) await hub.leave(me.room).catch(() => {});
  me = { name, room };
  try {
    await hub.join(room, { list: true });
    log("system", null, `you joined ${room} as ${name}`);
    $("text").focus();
  } catch (err) {
    log("system error", null, `could not join ${room}: ${err.message}`);
    me.room = null;
  }
  render();
});

$("leave-button").addEventListener("click", async () => {
  const room = me.room;
  me.room = null;
  forgetMembers();
  render();
  await hub.leave(room).catch(() => {});
  log("system", null, `you left ${room}`);
});

$("say").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value;
  if (!text || me.room === null) return;
  if (hub.message(me.room, { name: me.name, text })) {
    log("msg mine", me.name, text);
    $("text").value = "";
  }
});

render();
