// Adapted from Tornado's demos/chat/static/chat.js (Apache License 2.0), without jQuery.
//
// Posts the form to /a/message/new and long-polls /a/message/updates: each poll is answered
// once there are messages past `cursor` (the id of the last one received), and the next poll
// starts at once. On an error the page waits, twice as long each time, before polling again.
// Every POST carries the XSRF token from the _xsrf cookie.
/* global document, window, console, fetch, URLSearchParams -- a browser script */
"use strict";

function getCookie(name) {
  var r = document.cookie.match("\\b" + name + "=([^;]*)\\b");
  return r ? r[1] : undefined;
}

// POSTs `args` (and the XSRF token) form-encoded to `url`; resolves with the parsed JSON answer.
function postJSON(url, args) {
  var body = new URLSearchParams(args);
  body.set("_xsrf", getCookie("_xsrf"));
  return fetch(url, { method: "POST", body: body }).then(function (response) {
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  });
}

var updater = {
  errorSleepTime: 500,
  cursor: null,

  poll: function () {
    var args = {};
    if (updater.cursor) args.cursor = updater.cursor;
    postJSON("/a/message/updates", args).then(updater.onSuccess, updater.onError);
  },

  onSuccess: function (response) {
    try {
      updater.newMessages(response);
    } catch (e) {
      updater.onError(e);
      return;
    }
    updater.errorSleepTime = 500;
    window.setTimeout(updater.poll, 0);
  },

  onError: function (error) {
    updater.errorSleepTime *= 2;
    console.log("Poll error (" + error + "); sleeping for", updater.errorSleepTime, "ms");
    window.setTimeout(updater.poll, updater.errorSleepTime);
  },

  newMessages: function (response) {
    if (!response.messages) return;
    var messages = response.messages;
    updater.cursor = messages[messages.length - 1].id;
    console.log(messages.length, "new messages, cursor:", updater.cursor);
    for (var i = 0; i < messages.length; i++) updater.showMessage(messages[i]);
  },

  // The server has already escaped the body inside `html`.
  showMessage: function (message) {
    if (document.getElementById("m" + message.id)) return;
    document.getElementById("inbox").insertAdjacentHTML("beforeend", message.html);
  },
};

function newMessage(form) {
  var input = form.querySelector("input[type=text]");
  var submit = form.querySelector("input[type=submit]");
  submit.disabled = true;
  postJSON("/a/message/new", { body: input.value })
    .then(function (message) {
      updater.showMessage(message);
      input.value = "";
      input.select();
    })
    .catch(function (error) {
      console.log("ERROR:", error);
    })
    .finally(function () {
      submit.disabled = false;
    });
}

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("messageform");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    newMessage(form);
  });
  document.getElementById("message").select();
  updater.poll();
});
