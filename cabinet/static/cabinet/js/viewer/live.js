// The meeting socket, seen from the viewer: never reloads the page (the reader keeps their place);
// a new ready version of this paper shows a banner instead, and the live room (presenter, follow)
// comes from the same connection as on the meeting page (../live/connect.js).
//
// The socket is a doorbell that can miss a ring (a reconnect, or a change made by a process whose
// channel layer does not reach this server), so the viewer also asks for the paper's current
// version on every (re)connect and every half minute while it is on screen.
//
// The live room modules are loaded dynamically: reading offline must never depend on them (an
// offline copy saved before they existed, or a cache that lacks them, still opens the paper).
import { api } from "./api.js";
import { t } from "./labels.js";

const CHECK_EVERY_MS = 30000;

export async function connectLive({ meeting, paper, version, latestUrl, onNewVersion, stateEl }) {
  let newest = version;

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

  let startRoom;
  try {
    ({ startRoom } = await import("../live/connect.js"));
  } catch (error) {
    if (stateEl) {
      stateEl.dataset.state = navigator.onLine ? "lost" : "offline";
      stateEl.textContent = t(stateEl.dataset.state);
    }
    throw error;
  }
  const live = startRoom({
    meetingId: meeting,
    stateEl,
    onHello: check,
    onOther: (name, data) => {
      if (name === "paper.version_added" && Number(data.paper) === paper) offer(Number(data.version));
      // Paper and agenda changes do not touch what the viewer shows of the room; the rest
      // (participants, meeting details) is fetched again as a snapshot.
      return name.startsWith("paper.") || name.startsWith("agenda.");
    },
  });

  setInterval(check, CHECK_EVERY_MS);
  return live;
}
