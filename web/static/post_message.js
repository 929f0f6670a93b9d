// Delivers an authorization response with response_mode=okta_post_message:
// to the window that opened this one (a pop-up) or to the parent frame (a
// hidden iframe), and only if that window has the redirect URI's origin.
(function () {
  var el = document.getElementById("okta-post-message");
  var data = JSON.parse(el.dataset.response);
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) {
    target.postMessage(data, el.dataset.origin);
  }
})();
