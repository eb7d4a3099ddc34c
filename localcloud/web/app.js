// The Alexa side in a browser: sign in, Discovery, then a live view over WebRTC through the skill.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let token = null;
let session = null; // {pc, endpointId, sessionId}

function directive(namespace, name, payload, endpointId) {
  const header = { namespace, name, payloadVersion: "3", messageId: crypto.randomUUID() };
  const scope = { type: "BearerToken", token };
  if (!endpointId) return { directive: { header, payload: { ...payload, scope } } };
  header.correlationToken = crypto.randomUUID();
  return { directive: { header, endpoint: { scope, endpointId, cookie: {} }, payload } };
}

// What the page shows: no bearer token, and SDP cut short (it carries addresses).
function shown(message) {
  return JSON.stringify(message, (key, value) => {
    if (key === "token") return "<bearer token>";
    if (typeof value === "string" && value.startsWith("v=0")) {
      return value.slice(0, 160) + ` ... (${value.length} bytes of SDP)`;
    }
    return value;
  }, 2);
}

// Discovery and the offer fill the directive/response panes; session reports go to a list.
async function send(message, inPanes = true) {
  if (inPanes) $("directive").textContent = shown(message);
  const response = await fetch("/invoke/alexa", { method: "POST", body: JSON.stringify(message) });
  const body = await response.json();
  if (inPanes) {
    $("response").textContent = shown(body);
  } else {
    const item = document.createElement("li");
    item.textContent = `${message.directive.header.name} -> ${body.event.header.name}`;
    $("events").append(item);
  }
  return body;
}

async function signIn(user) {
  const response = await fetch("/token", { method: "POST", body: JSON.stringify({ user }) });
  token = (await response.json()).token;
  $("who").textContent = `signed in as ${user}`;
  const endpoints = await discover();
  await linkAndFollow(user);
  return endpoints;
}

async function discover() {
  const response = await send(directive("Alexa.Discovery", "Discover", {}));
  const endpoints = response.event.payload.endpoints || [];
  cameras = new Map(endpoints.map((e) => [e.endpointId, e]));
  renderCameras();
  return endpoints;
}

// Alexa's list after Discovery changes only through the skill's reports: link the skill
// (AcceptGrant with a code from the emulated LWA), then apply every AddOrUpdateReport and
// DeleteReport the emulated gateway accepts for this user, in order, without a Discover press.
let cameras = new Map();
let following = null;

async function linkAndFollow(user) {
  const link = await fetch("/alexa/link", { method: "POST", body: JSON.stringify({ user }) });
  const { code } = await link.json();
  const header = { namespace: "Alexa.Authorization", name: "AcceptGrant", payloadVersion: "3",
    messageId: crypto.randomUUID() };
  const payload = { grant: { type: "OAuth2.AuthorizationCode", code }, grantee: { type: "BearerToken", token } };
  await send({ directive: { header, payload } }, false);
  if (following) clearInterval(following);
  let after = Number((await (await fetch(`/alexa/reports?user=${encodeURIComponent(user)}`)).json()).next);
  following = setInterval(async () => {
    const answer = await (await fetch(`/alexa/reports?user=${encodeURIComponent(user)}&after=${after}`)).json();
    after = answer.next;
    for (const report of answer.reports) applyReport(report);
    if (answer.reports.length) renderCameras();
  }, 500);
}

// Discovery reports change the list; a ChangeReport updates a camera's connectivity; a
// DoorbellPress makes this Alexa open the doorbell's live view by itself, as an Echo Show does.
const connectivity = new Map();

function applyReport(report) {
  const item = document.createElement("li");
  if (report.endpoints) {
    for (const endpoint of report.endpoints) {
      if (report.name === "AddOrUpdateReport") cameras.set(endpoint.endpointId, endpoint);
      else cameras.delete(endpoint.endpointId);
    }
    item.textContent = `${report.name}: ${report.endpoints.map((e) => e.endpointId).join(", ")}`;
  } else if (report.name === "ChangeReport") {
    const [change] = report.payload.change.properties;
    connectivity.set(report.endpointId, change.value.value);
    item.textContent = `ChangeReport: ${report.endpointId} ${change.value.value} (${report.payload.change.cause.type})`;
  } else if (report.name === "DoorbellPress") {
    item.textContent = `DoorbellPress: ${report.endpointId} at ${report.payload.timestamp}`;
    startLiveView(report.endpointId);
  } else if (report.name === "ObjectDetection") {
    for (const detected of report.payload.events) {
      const entry = document.createElement("li");
      entry.textContent = `${detected.imageNetClass} at ${report.endpointId}, ${detected.timeOfSample} `;
      entry.append(thumbnail(detected.frameImageUri));
      $("detections").prepend(entry);
    }
    item.textContent = `ObjectDetection: ${report.endpointId}`;
  }
  $("events").append(item);
}

// An image URI fetched as Alexa fetches it: the user's bearer token, JPEG or PNG, no redirect.
function thumbnail(uri) {
  const img = document.createElement("img");
  img.className = "thumb";
  fetch(uri, { headers: { Authorization: `Bearer ${token}`, Accept: "image/jpeg, image/png" }, redirect: "error" })
    .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((blob) => { img.src = URL.createObjectURL(blob); })
    .catch((err) => { img.alt = `image refused: ${err.message}`; });
  return img;
}

function visionDirective(namespace, name, version, endpointId, payload, instance) {
  const message = directive(namespace, name, payload, endpointId);
  message.directive.header.payloadVersion = version;
  if (instance) message.directive.header.instance = instance;
  return message;
}

async function snapshot(endpointId) {
  const response = await send(visionDirective("Alexa.SmartVision.SnapshotProvider", "GetSnapshot", "1.1",
    endpointId, { preferOnDemandSnapshot: false }));
  const entry = document.createElement("li");
  if (response.event.header.name === "Snapshot") {
    entry.textContent = `snapshot of ${endpointId}, ${response.event.payload.timeOfSample} `;
    entry.append(thumbnail(response.event.payload.snapshotUri));
  } else {
    entry.textContent = `snapshot of ${endpointId}: ${response.event.payload.type}`;
  }
  $("detections").prepend(entry);
}

// The last day's detections of a camera, ten at a time (ReportData), each with a Delete button.
async function history(endpointId, nextToken) {
  const end = new Date(Date.now() + 60_000), start = new Date(end - 86_400_000);
  const pagination = nextToken ? { maxResults: 10, nextToken } : { maxResults: 10 };
  const payload = { accessConfig: { type: "BY_TIMESTAMP_RANGE",
    timestampRange: { start: start.toISOString(), end: end.toISOString() } }, paginationConfig: pagination };
  const response = await send(visionDirective("Alexa.DataController", "ReportData", "1.0", endpointId, payload,
    "Camera.SmartVisionData"));
  const list = $("history");
  if (!nextToken) list.replaceChildren();
  for (const detected of response.event.payload.data || []) {
    const entry = document.createElement("li");
    entry.textContent = `${detected.imageNetClass}, ${detected.timeOfSample} `;
    entry.append(thumbnail(detected.frameImageUri));
    const remove = document.createElement("button");
    remove.textContent = "Delete";
    remove.onclick = async () => {
      await send(visionDirective("Alexa.DataController", "DeleteData", "1.0", endpointId,
        { accessConfig: { type: "BY_IDENTIFIER", identifiers: [detected.eventIdentifier] } },
        "Camera.SmartVisionData"));
      entry.remove();
    };
    entry.append(remove);
    list.append(entry);
  }
  const next = response.event.payload.paginationContext?.nextToken;
  if (next) {
    const more = document.createElement("button");
    more.textContent = "More";
    more.onclick = () => { more.remove(); history(endpointId, next); };
    list.append(more);
  }
}

const has = (endpoint, iface) => (endpoint.capabilities || []).some((c) => c.interface === iface);

function renderCameras() {
  const endpoints = [...cameras.values()];
  const list = $("camera-list");
  list.replaceChildren();
  for (const endpoint of endpoints) {
    const item = document.createElement("li");
    const state = connectivity.get(endpoint.endpointId);
    item.textContent = state ? `${endpoint.friendlyName} (${state})` : endpoint.friendlyName;
    const play = document.createElement("button");
    play.textContent = "Play";
    play.dataset.endpoint = endpoint.endpointId;
    play.onclick = () => startLiveView(endpoint.endpointId);
    item.append(play);
    if ((endpoint.displayCategories || []).includes("DOORBELL")) {
      // The doorbell's own button, simulated: the camera publishes DoorbellPressed.
      const ring = document.createElement("button");
      ring.textContent = "Ring";
      ring.dataset.ring = endpoint.endpointId;
      ring.onclick = () => fetch("/events", { method: "POST",
        body: JSON.stringify({ "detail-type": "DoorbellPressed", detail: { deviceId: endpoint.endpointId } }) });
      item.append(ring);
    }
    for (const [label, iface, action] of [["Snapshot", "Alexa.SmartVision.SnapshotProvider", snapshot],
      ["History", "Alexa.DataController", history]]) {
      if (!has(endpoint, iface)) continue;
      const button = document.createElement("button");
      button.textContent = label;
      button.onclick = () => action(endpoint.endpointId);
      item.append(button);
    }
    list.append(item);
  }
  if (!endpoints.length) list.innerHTML = '<li class="hint">No cameras for this user.</li>';
}

function gathered(pc) {
  // Alexa does not trickle: the offer goes out with every candidate in it.
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
  });
}

function countFrames(video) {
  let frames = 0;
  const tick = () => {
    frames += 1;
    $("frames").textContent = String(frames);
    video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
}

async function startLiveView(endpointId) {
  await stop();
  $("status").textContent = `offering to ${endpointId}`;
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.ontrack = (event) => stream.addTrack(event.track);
  $("video").srcObject = stream;
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const sessionId = crypto.randomUUID();
  session = { pc, endpointId, sessionId };
  const response = await send(directive("Alexa.RTCSessionController", "InitiateSessionWithOffer",
    { sessionId, offer: { format: "SDP", value: pc.localDescription.sdp } }, endpointId));
  if (response.event.header.name !== "AnswerGeneratedForSession") {
    $("status").textContent = `refused: ${response.event.payload.type}`;
    pc.close();
    session = null;
    return;
  }
  pc.onconnectionstatechange = async () => {
    $("status").textContent = pc.connectionState;
    if (pc.connectionState === "connected") {
      await send(directive("Alexa.RTCSessionController", "SessionConnected", { sessionId }, endpointId), false);
    }
  };
  await pc.setRemoteDescription({ type: "answer", sdp: response.event.payload.answer.value });
  $("stop").disabled = false;
}

async function stop() {
  if (!session) return;
  const { pc, endpointId, sessionId } = session;
  session = null;
  pc.close();
  $("stop").disabled = true;
  $("status").textContent = "idle";
  await send(directive("Alexa.RTCSessionController", "SessionDisconnected", { sessionId }, endpointId), false);
}

$("signin").onsubmit = (event) => {
  event.preventDefault();
  signIn($("user").value);
};
$("stop").onclick = stop;
countFrames($("video"));

// ?user=alice&play=first signs in and plays without clicks (used by the browser test).
if (params.get("user")) {
  $("user").value = params.get("user");
  signIn(params.get("user")).then((endpoints) => {
    const wanted = params.get("play");
    const target = wanted === "first" ? endpoints[0] : endpoints.find((e) => e.endpointId === wanted);
    if (target) startLiveView(target.endpointId);
  });
}
