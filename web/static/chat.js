// Starts rasa-webchat (served from this site, never a CDN) against Rasa's socket.io channel.
(function () {
  var config = window.MASTOBOT_CONFIG || {};
  var socketUrl = config.socketUrl ||
    window.location.protocol + "//" + window.location.hostname + ":" + (config.rasaPort || 5005);
  var EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f]/gu;

  // "👍 Helpful" shows an empty box where no emoji font is installed: buttons keep their words
  // only. This runs before the widget's own handler, which then stores and shows the plain title.
  function plainButtonTitles(message) {
    (message.quick_replies || message.buttons || []).forEach(function (button) {
      var words = String(button.title || "").replace(EMOJI, "").replace(/\s+/g, " ").trim();
      if (words) button.title = words;
    });
  }

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
    onSocketEvent: { bot_uttered: plainButtonTitles },
  }, null);
})();
