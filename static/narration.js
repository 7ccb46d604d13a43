// Listen mode (templates/_macros/narration.html): play a lesson's recordings one after
// another, from the first or from the one playing, and stop. Each recording also has its
// own native player, which works without this script. Nothing plays until pressed.
(function () {
  "use strict";
  var box = document.querySelector(".listen-all");
  if (!box) return;
  var players = Array.prototype.slice.call(document.querySelectorAll("figure.narration audio"));
  if (!players.length) return;
  var button = box.querySelector("button");
  var playing = -1;
  box.hidden = false;

  function label(on) {
    button.textContent = on ? "■ " + box.getAttribute("data-stop") : "▶ " + box.getAttribute("data-play");
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  function mark(index) {
    players.forEach(function (p, i) { p.parentNode.classList.toggle("playing", i === index); });
  }
  function play(index) {
    playing = index;
    mark(index);
    if (index < 0 || index >= players.length) { playing = -1; label(false); return; }
    var p = players[index];
    p.parentNode.scrollIntoView({ block: "center", behavior: "smooth" });
    p.play().catch(function () { playing = -1; mark(-1); label(false); });
    label(true);
  }
  function stop() {
    players.forEach(function (p) { p.pause(); });
    playing = -1;
    mark(-1);
    label(false);
  }
  players.forEach(function (p, i) {
    p.addEventListener("ended", function () { if (playing === i) play(i + 1); });
    // Pressing another player's own play button moves listen mode there.
    p.addEventListener("play", function () {
      players.forEach(function (other, j) { if (j !== i) other.pause(); });
      if (playing >= 0) { playing = i; mark(i); }
    });
  });
  button.addEventListener("click", function () {
    if (playing >= 0) { stop(); return; }
    var current = players.filter(function (p) { return !p.paused; })[0];
    play(current ? players.indexOf(current) : 0);
  });
  label(false);
})();
