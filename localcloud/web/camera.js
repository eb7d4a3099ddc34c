// This browser as a camera, the way a camera maker's firmware would do it with AWS's KVS WebRTC
// SDK: register (DeviceRegistered through the local cloud), get the camera role's credentials,
// fetch the signaling config with a SigV4-signed GET /config, connect as MASTER with the SDK's
// SignalingClient, and answer each offer with every ICE candidate in it (Alexa does not trickle).
// "Person at the door" sends a detection as a camera does: a frame of the video as a JPEG, uploaded
// with the presigned POST of a SigV4-signed POST /media, then the ObjectDetected device event.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// What the browser test reads.
window.camera = { status: "stopped", answered: 0, answers: [], error: null, detection: null };
// Alexa shows no image shorter than this on either side.
const MIN_SIDE_PX = 360;
const DETECTION_CLASSES = ["person"];

function step(text) {
  const item = document.createElement("li");
  item.textContent = text;
  $("log").append(item);
}

function status(text) {
  window.camera.status = text;
  $("status").textContent = text;
}

async function checked(response, what) {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

// The local device registry: publish the event, then let the lifecycle function run.
async function register(device) {
  const event = { "detail-type": "DeviceRegistered", detail: device };
  await checked(await fetch("/events", { method: "POST", body: JSON.stringify(event) }), "DeviceRegistered");
  const result = await checked(await fetch("/invoke/lifecycle", { method: "POST" }), "lifecycle");
  if (result.failed.length) throw new Error(`the lifecycle function failed ${result.failed}`);
}

// The IoT credentials provider's answer: temporary credentials of the camera role.
async function credentials(deviceId, roleAlias) {
  const response = await fetch(`/role-aliases/${roleAlias}/credentials`, {
    headers: { "x-amzn-iot-thingname": deviceId },
  });
  return (await checked(response, "credentials")).credentials;
}

function configApi(creds, region) {
  return new aws4fetch.AwsClient({ ...creds, service: "execute-api", region });
}

async function fetchConfig(creds, region) {
  return checked(await configApi(creds, region).fetch(`${location.origin}/config`), "GET /config");
}

// The video's size is known from its first decoded frame; a click before then waits for it (a few
// seconds at most), since a canvas of no size encodes no JPEG.
async function firstFrame(video, timeoutMs = 5000) {
  const started = performance.now();
  while (!(video.videoWidth > 0 && video.videoHeight > 0)) {
    if (performance.now() - started > timeoutMs) throw new Error("no video frame yet");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The frame on screen as a JPEG, scaled up when needed to Alexa's minimum on the shorter side.
async function still(video) {
  await firstFrame(video);
  const scale = Math.max(1, MIN_SIDE_PX / Math.min(video.videoWidth, video.videoHeight));
  const canvas = Object.assign(document.createElement("canvas"), {
    width: Math.ceil(video.videoWidth * scale),
    height: Math.ceil(video.videoHeight * scale),
  });
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no JPEG from the canvas"))), "image/jpeg", 0.85);
  });
}

// POST /media grants a presigned POST under this camera's prefix; S3 takes the fields, file last.
async function upload(creds, region, image) {
  const grant = await checked(await configApi(creds, region).fetch(`${location.origin}/media`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ contentType: image.type }),
  }), "POST /media");
  const form = new FormData();
  for (const [name, value] of Object.entries(grant.upload.fields)) form.append(name, value);
  form.append("file", image, "frame.jpg");
  // Readable from this page only because the media bucket's CORS rule allows its origin.
  const response = await fetch(grant.upload.url, { method: "POST", body: form });
  if (!response.ok) throw new Error(`upload to S3: HTTP ${response.status} ${await response.text()}`);
  return grant.mediaId;
}

async function detectPerson(deviceId, roleAlias, region) {
  const image = await still($("preview"));
  const creds = await credentials(deviceId, roleAlias); // fresh: the first may have expired
  const mediaId = await upload(creds, region, image);
  const detail = {
    deviceId,
    eventId: crypto.randomUUID().replaceAll("-", ""),
    objectClass: "person",
    detectedAt: new Date().toISOString(),
    mediaId,
  };
  const event = { "detail-type": "ObjectDetected", detail };
  await checked(await fetch("/events", { method: "POST", body: JSON.stringify(event) }), "ObjectDetected");
  return detail;
}

function detectionButton(deviceId, roleAlias, region) {
  const button = $("person");
  button.disabled = false;
  button.onclick = () => {
    button.disabled = true;
    window.camera.detection = { status: "sending" };
    $("detection").textContent = "capturing and uploading a frame";
    detectPerson(deviceId, roleAlias, region).then((detail) => {
      window.camera.detection = { status: "sent", ...detail };
      $("detection").textContent = `ObjectDetected person ${detail.eventId} (image ${detail.mediaId})`;
      step(`ObjectDetected person, eventId ${detail.eventId}`);
    }, (error) => {
      window.camera.detection = { status: "failed", error: String(error) };
      $("detection").textContent = `failed: ${error}`;
      step(`detection failed: ${error}`);
    }).finally(() => { button.disabled = false; });
  };
}

// A moving test pattern when there is no webcam.
function testPattern(label) {
  const canvas = Object.assign(document.createElement("canvas"), { width: 640, height: 480 });
  const g = canvas.getContext("2d");
  const colors = ["#fff", "#ff0", "#0ff", "#0f0", "#f0f", "#f00", "#00f", "#000"];
  const draw = () => {
    colors.forEach((c, i) => { g.fillStyle = c; g.fillRect(i * 80, 0, 80, 480); });
    g.fillStyle = "#000c";
    g.fillRect(0, 380, 640, 100);
    g.fillStyle = "#fff";
    g.font = "32px monospace";
    g.fillText(`${label} ${new Date().toISOString().slice(11, 23)}`, 20, 440);
    requestAnimationFrame(draw);
  };
  draw();
  setInterval(draw, 1000 / 15); // requestAnimationFrame pauses in background tabs
  return canvas.captureStream(15);
}

async function media(label) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    return { stream, source: "webcam" };
  } catch {
    return { stream: testPattern(label), source: "canvas test pattern" };
  }
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
  });
}

async function answer(signaling, stream, offer, remoteClientId) {
  // Host candidates only: the local cloud has no STUN, and the TURN hosts it hands out are fake.
  const pc = new RTCPeerConnection({ iceServers: [] });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  pc.onconnectionstatechange = () => step(`session ${remoteClientId.slice(0, 24)}: ${pc.connectionState}`);
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  signaling.sendSdpAnswer(pc.localDescription, remoteClientId);
  window.camera.answers.push(pc.localDescription.sdp);
  window.camera.answered += 1;
  $("answered").textContent = String(window.camera.answered);
}

async function start(owner, deviceId, friendlyName) {
  const info = await checked(await fetch("/info"), "info");
  status("registering");
  await register({
    deviceId, ownerId: owner, friendlyName, manufacturerName: "Localcloud", model: "Browser",
    description: "A browser tab running AWS's KVS WebRTC SDK as MASTER", fullDuplexAudio: false,
    objectDetectionClasses: DETECTION_CLASSES,
  });
  step(`DeviceRegistered ${deviceId} for ${owner}`);
  const creds = await credentials(deviceId, info.roleAlias);
  step("camera role credentials from the credentials provider");
  const config = await fetchConfig(creds, info.region);
  step(`GET /config (SigV4): ${config.channelArn}`);
  const { stream, source } = await media(deviceId);
  $("preview").srcObject = stream;
  $("source").textContent = source;
  step(`media: ${source}`);
  detectionButton(deviceId, info.roleAlias, info.region);

  // Device config's credentials for this channel only, in its cell's account and region.
  const channel = config.credentials;
  const signaling = new KVSWebRTC.SignalingClient({
    channelARN: config.channelArn,
    channelEndpoint: config.endpoints.WSS,
    role: KVSWebRTC.Role.MASTER,
    region: channel.region,
    credentials: {
      accessKeyId: channel.accessKeyId,
      secretAccessKey: channel.secretAccessKey,
      sessionToken: channel.sessionToken,
    },
  });
  signaling.on("open", () => { status("connected"); step(`MASTER connected to ${config.endpoints.WSS}`); });
  signaling.on("sdpOffer", (offer, remoteClientId) => {
    step(`SDP_OFFER from ${remoteClientId.slice(0, 24)}`);
    answer(signaling, stream, offer, remoteClientId).catch((error) => step(`answer failed: ${error}`));
  });
  signaling.on("close", () => status("disconnected"));
  signaling.on("error", (error) => step(`signaling error: ${error.message || error}`));
  status("connecting");
  signaling.open();
}

$("device").value = params.get("device") || `browser-${crypto.randomUUID().slice(0, 8)}`;
if (params.get("owner")) $("owner").value = params.get("owner");
$("start").onsubmit = (event) => {
  event.preventDefault();
  $("start").querySelector("button").disabled = true;
  start($("owner").value, $("device").value, $("name").value).catch((error) => {
    window.camera.error = String(error);
    status("failed");
    step(String(error));
  });
};
// ?owner=alice&device=cam-1&start=1 starts without clicks (used by the browser test).
if (params.get("start")) $("start").requestSubmit();
