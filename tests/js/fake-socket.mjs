// A stand-in for the browser's WebSocket and the globals socket.js reads (window, location,
// navigator), so that cabinet/static/cabinet/js/live/socket.js runs under `node --test`.
//
// The test plays the server: `open()` then `receive({...})` frames, `drop(code)` to close.

export class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  /** Every socket made, oldest first. */
  static made = [];

  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.CONNECTING;
    this.sent = [];
    this.listeners = { message: [], close: [] };
    FakeSocket.made.push(this);
  }

  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }

  send(text) {
    if (this.readyState !== FakeSocket.OPEN) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(text));
  }

  /** The page closes the socket (1005: no status given). */
  close() {
    this.drop(1005);
  }

  // --- The server's side ------------------------------------------------------------------------

  open() {
    this.readyState = FakeSocket.OPEN;
  }

  receive(message) {
    for (const fn of this.listeners.message) fn({ data: JSON.stringify(message) });
  }

  drop(code) {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    for (const fn of this.listeners.close) fn({ code });
  }

  /** The messages of one type the page sent, in order. */
  sentOf(type) {
    return this.sent.filter((message) => message.type === type);
  }
}

/** Install the fake and a minimal browser around it; returns a function that removes them. */
export function installBrowser() {
  const saved = {};
  const fakes = {
    WebSocket: FakeSocket,
    window: { addEventListener() {} },
    location: { protocol: "http:", host: "tablet.test" },
    navigator: { onLine: true },
  };
  for (const [name, value] of Object.entries(fakes)) {
    saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
    // defineProperty: Node 21+ has a read-only global navigator.
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  FakeSocket.made = [];
  return () => {
    for (const [name, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete globalThis[name];
    }
  };
}
