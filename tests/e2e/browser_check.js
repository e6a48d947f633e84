#!/usr/bin/env node
// browser_check: opens an HTML page in headless Chromium over the DevTools protocol (pipe
// transport, no npm package, the system's Chromium) and checks that every image loaded
// and nothing was logged as an error; saves a full-page screenshot.
// Usage: node browser_check.js CHROMIUM PAGE.html SCREENSHOT.png MIN_IMAGES
// Exit status: 0 all good, 1 a check failed, 2 the browser could not be driven.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, page, shot, minImages] = process.argv.slice(2);
if (!chromium || !page || !shot) {
  console.error('usage: node browser_check.js CHROMIUM PAGE.html SCREENSHOT.png MIN_IMAGES');
  process.exit(2);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'zf-chromium-'));
const child = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let browserLog = '';
child.stderr.on('data', (d) => { browserLog += d; });

const pending = new Map();
const listeners = [];
let nextId = 1;
let inbuf = '';
child.stdio[4].on('data', (chunk) => {
  inbuf += chunk.toString('utf8');
  let end;
  while ((end = inbuf.indexOf('\0')) >= 0) {
    const msg = JSON.parse(inbuf.slice(0, end));
    inbuf = inbuf.slice(end + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(JSON.stringify(msg.error)));
      else resolve(msg.result);
    } else if (msg.method) {
      listeners.forEach((fn) => fn(msg));
    }
  }
});

function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  child.stdio[3].write(JSON.stringify(msg) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function waitFor(method, sessionId) {
  return new Promise((resolve) => {
    const fn = (msg) => {
      if (msg.method === method && msg.sessionId === sessionId) {
        listeners.splice(listeners.indexOf(fn), 1);
        resolve(msg.params);
      }
    };
    listeners.push(fn);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every image decoded, with its natural size.
const IMAGES = `Promise.all(Array.from(document.images).map((img) =>
  img.decode().then(() => null, () => null).then(() => ({
    alt: img.alt, ok: img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
    w: img.naturalWidth, h: img.naturalHeight }))))`;

async function main() {
  const errors = [];
  listeners.push((msg) => {
    const p = msg.params || {};
    if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
      errors.push('console.' + p.type + ': ' + (p.args || []).map((a) => a.value).join(' '));
    if (msg.method === 'Runtime.exceptionThrown')
      errors.push('exception: ' + JSON.stringify(p.exceptionDetails.text));
    if (msg.method === 'Log.entryAdded' && p.entry.level === 'error')
      errors.push('log: ' + p.entry.source + ': ' + p.entry.text + ' ' + (p.entry.url || ''));
  });
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Runtime.enable', {}, sessionId);
  await send('Log.enable', {}, sessionId);
  await send('Page.enable', {}, sessionId);
  await send('Emulation.setDeviceMetricsOverride',
    { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
  const loaded = waitFor('Page.loadEventFired', sessionId);
  const nav = await send('Page.navigate', { url: 'file://' + path.resolve(page) }, sessionId);
  if (nav.errorText) errors.push('navigation: ' + nav.errorText);
  await loaded;
  const res = await send('Runtime.evaluate',
    { expression: IMAGES, awaitPromise: true, returnByValue: true }, sessionId);
  const images = res.result.value || [];
  await sleep(300); // late log entries
  const metrics = await send('Page.getLayoutMetrics', {}, sessionId);
  const height = Math.min(Math.ceil(metrics.cssContentSize.height), 16000);
  await send('Emulation.setDeviceMetricsOverride',
    { width: 1280, height, deviceScaleFactor: 1, mobile: false }, sessionId);
  const png = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  fs.writeFileSync(shot, Buffer.from(png.data, 'base64'));

  const bad = images.filter((i) => !i.ok);
  console.log(`images: ${images.length - bad.length} of ${images.length} loaded` +
              ` (${images.map((i) => `${i.alt} ${i.w}x${i.h}`).join(', ')})`);
  bad.forEach((i) => console.log('image not loaded: ' + i.alt));
  errors.forEach((e) => console.log('error: ' + e));
  console.log(`console errors: ${errors.length}; screenshot ${shot} (1280x${height})`);
  const enough = images.length >= Number(minImages || 0);
  if (!enough) console.log(`expected at least ${minImages} images`);
  return bad.length === 0 && errors.length === 0 && enough ? 0 : 1;
}

// Closes the browser (killed if it lingers), removes its profile, exits with `code`.
function finish(code) {
  const done = () => {
    try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* best effort */ }
    process.exit(code);
  };
  if (child.exitCode !== null || child.signalCode !== null) return done();
  child.once('exit', done);
  send('Browser.close').catch(() => {}); // lets Chromium end its helper processes
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
}

const timer = setTimeout(() => {
  console.log('browser_check: timed out\n' + browserLog.slice(-2000));
  finish(2);
}, 60000);
main().then((code) => {
  clearTimeout(timer);
  finish(code);
}, (e) => {
  clearTimeout(timer);
  console.log('browser_check: ' + e.message + '\n' + browserLog.slice(-2000));
  finish(2);
});
