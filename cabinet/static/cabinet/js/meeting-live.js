// The meeting page's socket: shows the connection state and reloads when the meeting changes.
// Reconnects on its own with backoff; later issues replace the reload with live updates.
const head = document.querySelector("[data-meeting]");
const state = document.getElementById("conn-state");
const LABELS = {
  vi: { live: "Đã kết nối", connecting: "Đang kết nối…", lost: "Mất kết nối – đang kết nối lại…" },
  en: { live: "Connected", connecting: "Connecting…", lost: "Connection lost – reconnecting…" },
};
const labels = LABELS[document.documentElement.lang] || LABELS.vi;

function show(name) {
  if (!state) return;
  state.dataset.state = name;
  state.textContent = labels[name];
}

if (head) {
  const meetingId = head.dataset.meeting;
  let seq = Number(head.dataset.seq || 0);
  let delay = 500;

  const connect = () => {
    show("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/meetings/${meetingId}/`);
    socket.addEventListener("open", () => {
      delay = 500;
      show("live");
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "hello" && data.seq > seq) {
        location.reload(); // changed while we were away
      } else if (data.type === "event" && data.seq > seq) {
        seq = data.seq;
        location.reload();
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403 || event.code === 4401) return; // not allowed: do not hammer
      show("lost");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  connect();
}
