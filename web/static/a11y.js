// What rasa-webchat 1.0.1 leaves out for screen-reader and keyboard users, added to its markup as
// it renders: names for its controls, a live region for new messages, answer buttons reachable
// with Tab and pressed with Enter or Space, and Escape to close the chat.
(function () {
  "use strict";

  function set(element, name, value) {
    if (element && element.getAttribute(name) !== value) element.setAttribute(name, value);
  }

  function visible(element) {
    return !!element && element.getClientRects().length > 0;
  }

  function isOpen() {
    return !!document.querySelector(".rw-conversation-container");
  }

  function describe() {
    var open = isOpen();
    var launcher = document.querySelector(".rw-launcher");
    set(launcher, "aria-label", open ? "Close the chat" : "Open the chat");
    set(launcher, "aria-expanded", String(open));
    set(document.querySelector(".rw-close-button"), "aria-label", "Close the chat");
    set(document.querySelector(".rw-send"), "aria-label", "Send");
    set(document.querySelector(".rw-new-message"), "aria-label", "Your question");
    set(document.querySelector(".rw-conversation-container"), "role", "region");
    set(document.querySelector(".rw-conversation-container"), "aria-label", "Chat");
    var log = document.querySelector(".rw-messages-container");
    set(log, "role", "log");
    set(log, "aria-live", "polite");
    set(log, "aria-label", "Conversation");
    set(log, "tabindex", "0"); // it scrolls: a keyboard user can reach it and use the arrow keys
    document.querySelectorAll("div.rw-reply").forEach(function (reply) {
      set(reply, "role", "button");
      set(reply, "tabindex", "0");
    });
  }

  // Once the widget has re-rendered: focus `selector` if focus was lost with what it removed.
  function focusSoon(selector) {
    setTimeout(function () {
      var target = document.querySelector(selector);
      if (target && document.activeElement === document.body) target.focus();
    }, 50);
  }

  // Closes with whichever close control is shown (the header's on a phone, the launcher on a
  // desktop), then gives focus back to the launcher that opens it again.
  function closeChat() {
    var close = document.querySelector(".rw-close-button");
    (visible(close) ? close : document.querySelector(".rw-launcher")).click();
    document.activeElement.blur();
    focusSoon(".rw-launcher");
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      closeChat();
    } else if ((event.key === "Enter" || event.key === " ") && event.target.matches("div.rw-reply")) {
      event.preventDefault();
      event.target.click();
      focusSoon(".rw-new-message"); // the answer buttons go once one is pressed
    }
  });

  new MutationObserver(describe).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
  });
  describe();
})();
