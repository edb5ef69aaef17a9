// Starts rasa-webchat (served from this site, never a CDN) against Rasa's socket.io channel.
(function () {
  var config = window.MASTOBOT_CONFIG || {};
  var socketUrl = config.socketUrl ||
    window.location.protocol + "//" + window.location.hostname + ":" + (config.rasaPort || 5005);
  window.WebChat.default({
    selector: "#webchat",
    initPayload: "/greet",
    socketUrl: socketUrl,
    socketPath: "/socket.io/",
    title: "Mastocytosis assistant",
    subtitle: "General information, not medical advice",
    inputTextFieldHint: "Type your question…",
    showMessageDate: false,
    params: { storage: "local" },
    customData: { language: "en" },
  }, null);
})();
