// AppSync Events over WebSocket (the same code against AWS and the embedded stack).
// Subscriptions survive reconnects: on every (re)connect they are sent again and `onConnect` fires, so the
// page reloads from REST and catches up on whatever it missed. Reconnects back off with full jitter.
import { config } from './config.js';

function b64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class LiveChannel {
  constructor({ onConnect = () => {}, onStatus = () => {} } = {}) {
    this.onConnect = onConnect;
    this.onStatus = onStatus;
    this.subs = new Map(); // id -> {channel, auth: async () => headers, handler, onError}
    this.attempt = 0;
    this.nextId = 1;
    this.closed = false;
  }

  async headers(extra) {
    const cfg = await config();
    return { host: new URL(cfg.eventsHttpEndpoint).host, ...extra };
  }

  async apiKeyAuth() {
    const cfg = await config();
    return this.headers({ 'x-api-key': cfg.eventsApiKey });
  }

  async connect() {
    const cfg = await config();
    const auth = await this.apiKeyAuth();
    const socket = new WebSocket(`${cfg.eventsRealtimeEndpoint}/event/realtime`, [
      'aws-appsync-event-ws',
      `header-${b64url(JSON.stringify(auth))}`,
    ]);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
    socket.onmessage = (e) => this.message(JSON.parse(e.data));
    socket.onclose = () => this.dropped(socket);
    socket.onerror = () => {};
  }

  message(m) {
    if (m.type === 'connection_ack') {
      this.attempt = 0;
      this.timeoutMs = m.connectionTimeoutMs || 300000;
      this.alive();
      this.onStatus('live');
      this.subs.forEach((sub, id) => this.send(id, sub));
      this.onConnect();
    } else if (m.type === 'ka') {
      this.alive();
    } else if (m.type === 'data') {
      const sub = this.subs.get(m.id);
      if (sub) sub.handler(JSON.parse(m.event));
    } else if (m.type === 'subscribe_error') {
      const sub = this.subs.get(m.id);
      this.subs.delete(m.id);
      if (sub && sub.onError) sub.onError(m.errors || []);
    }
  }

  alive() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.socket && this.socket.close(), this.timeoutMs);
  }

  dropped(socket) {
    if (socket !== this.socket) return;
    clearTimeout(this.watchdog);
    this.socket = null;
    if (this.closed) return;
    this.onStatus('reconnecting');
    const delay = Math.random() * Math.min(10000, 250 * 2 ** this.attempt++);
    setTimeout(() => this.connect(), delay);
  }

  async send(id, sub) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    const authorization = await sub.auth();
    if (authorization) this.socket.send(JSON.stringify({ type: 'subscribe', id, channel: sub.channel, authorization }));
  }

  // auth: async () => headers for this subscription (a fresh token each time: a refresh keeps the socket).
  subscribe(channel, handler, { auth, onError } = {}) {
    const id = `s${this.nextId++}`;
    const sub = { channel, handler, onError, auth: auth || (() => this.apiKeyAuth()) };
    this.subs.set(id, sub);
    this.send(id, sub);
    return () => {
      this.subs.delete(id);
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify({ type: 'unsubscribe', id }));
      }
    };
  }
}
