/* The districts page's choice of a body is a plain form, which a server answers
   (/{lang}/districts?body=...). A published page (plain files, main[data-pointer]) has no server
   to send it to: there the form is hidden, and a body's districts are reached from its own page
   ("Every candidate of every district"), a link the publisher makes relative. */
(function () {
  "use strict";
  if (!document.querySelector("main[data-pointer]")) return;
  var forms = document.querySelectorAll("form.body-choice");
  for (var i = 0; i < forms.length; i += 1) forms[i].hidden = true;
})();
