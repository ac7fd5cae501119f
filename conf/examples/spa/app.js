// A stand-in single-page app: it routes on the client, so the server answers every
// unknown path with index.html (the `fallback` of the static rule).
const app = document.getElementById("app");
const route = window.location.pathname;
app.textContent = "Client-side route: " + route;

// The API lives under /api/ on the same origin.
fetch("/api/status").then((response) => response.json()).then((status) => {
  app.textContent += " · API: " + JSON.stringify(status);
}).catch(() => {
  app.textContent += " · API unreachable";
});

// Pod logs and exec go through /k8s/, a WebSocket to the Kubernetes API; Apus adds the
// service-account token, so the browser never holds it.
const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(scheme + "//" + window.location.host + "/k8s/api/v1/namespaces/default/pods?watch=1");
socket.onmessage = (event) => console.log("kubernetes event", event.data);
