// The meeting socket, seen from the viewer: never reloads the page (the reader keeps their place);
// a new ready version of this paper shows a banner instead. The connection state stays discreet.
//
// The socket is a doorbell that can miss a ring (a reconnect, or a change made by a process whose
// channel layer does not reach this server), so the viewer also asks for the paper's current
// version on every (re)connect and every half minute while it is on screen.
import { api } from "./api.js";
import { t } from "./labels.js";

const CHECK_EVERY_MS = 30000;

export function connectLive({ meeting, paper, version, latestUrl, onNewVersion, stateEl }) {
  let delay = 1000;
  let newest = version;
  let socket = null;

  const show = (name) => {
    if (!stateEl) return;
    stateEl.dataset.state = name;
    stateEl.textContent = t(name);
  };

  const offer = (number) => {
    if (number > newest) {
      newest = number;
      onNewVersion(newest);
    }
  };

  const check = async () => {
    if (!navigator.onLine || document.visibilityState !== "visible") return;
    try {
      const data = await api(latestUrl);
      if (data && data.version) offer(Number(data.version));
    } catch {
      // offline or signed out: the socket state already says so
    }
  };

  const connect = () => {
    if (!navigator.onLine) {
      show("offline");
      return;
    }
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    show("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/meetings/${meeting}/`);
    socket.addEventListener("open", () => {
      delay = 1000;
      show("live");
    });
    socket.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      if (data.type === "hello") {
        check();
        return;
      }
      if (data.type !== "event" || data.event !== "paper.version_added") return;
      const info = data.data || {};
      if (Number(info.paper) === paper) offer(Number(info.version));
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403 || event.code === 4401) {
        show("lost");
        return; // not allowed (any more): do not hammer
      }
      show(navigator.onLine ? "lost" : "offline");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  };

  window.addEventListener("online", () => {
    delay = 1000;
    connect();
  });
  window.addEventListener("offline", () => show("offline"));
  setInterval(check, CHECK_EVERY_MS);
  connect();
}
