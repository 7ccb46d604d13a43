// Recording narration in the browser (templates/narration/parts.html). Without this
// script, or without a microphone, each part's form still takes a file: on a phone,
// `capture` opens its own sound recorder. With it: Record / Stop with a level meter,
// listen to the take, record again, and save; the take stays on the page if sending fails.
(function () {
  "use strict";
  var strings = document.getElementById("recorder-strings");
  if (!strings || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) return;
  function t(name) { return strings.getAttribute("data-" + name) || ""; }

  function pickType() {
    var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
    for (var i = 0; i < types.length; i++) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
    }
    return "";
  }

  function button(text, cls) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button " + (cls || "");
    b.textContent = text;
    return b;
  }

  function setUp(form) {
    var live = form.querySelector(".recorder-live");
    var part = form.closest("section");
    var record = button("● " + t("record"));
    var stop = button("■ " + t("stop"), "secondary");
    var again = button(t("again"), "secondary");
    var save = button(t("save"));
    var meter = document.createElement("meter");
    var status = document.createElement("p");
    var preview = document.createElement("audio");
    var take = null, recorder = null, stream = null, context = null, frame = 0;
    meter.min = 0; meter.max = 1; meter.value = 0; meter.hidden = true;
    meter.setAttribute("aria-label", t("level"));
    status.className = "hint";
    status.setAttribute("aria-live", "polite");
    preview.controls = true; preview.hidden = true;
    [stop, again, save].forEach(function (b) { b.hidden = true; });
    [record, stop, meter, status, preview, save, again].forEach(function (el) { live.appendChild(el); });
    live.hidden = false;

    function level(analyser) {
      var data = new Uint8Array(analyser.fftSize);
      function tick() {
        analyser.getByteTimeDomainData(data);
        var sum = 0;
        for (var i = 0; i < data.length; i++) { var v = (data[i] - 128) / 128; sum += v * v; }
        meter.value = Math.min(1, Math.sqrt(sum / data.length) * 4);
        frame = requestAnimationFrame(tick);
      }
      tick();
    }

    function finish() {
      cancelAnimationFrame(frame);
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      if (context) context.close();
      stream = context = null;
      meter.hidden = true;
    }

    function start() {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
        stream = s;
        var type = pickType();
        recorder = type ? new MediaRecorder(s, { mimeType: type }) : new MediaRecorder(s);
        var chunks = [];
        recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
        recorder.onstop = function () {
          finish();
          take = new Blob(chunks, { type: recorder.mimeType || type || "audio/webm" });
          preview.src = URL.createObjectURL(take);
          preview.hidden = false;
          save.hidden = again.hidden = false;
          stop.hidden = true;
          status.textContent = t("listen");
        };
        var Context = window.AudioContext || window.webkitAudioContext;
        if (Context) {
          context = new Context();
          var analyser = context.createAnalyser();
          analyser.fftSize = 1024;
          context.createMediaStreamSource(s).connect(analyser);
          meter.hidden = false;
          level(analyser);
        }
        recorder.start();
        record.hidden = save.hidden = again.hidden = preview.hidden = true;
        stop.hidden = false;
        stop.focus();
        status.textContent = t("recording");
      }, function () { status.textContent = t("denied"); });
    }

    record.addEventListener("click", start);
    again.addEventListener("click", function () { take = null; start(); });
    stop.addEventListener("click", function () { if (recorder && recorder.state !== "inactive") recorder.stop(); });
    save.addEventListener("click", function () {
      if (!take) return;
      var body = new FormData(form);
      var extension = /ogg/.test(take.type) ? "ogg" : /mp4/.test(take.type) ? "m4a" : "webm";
      body.set("audio", take, "recording." + extension);
      save.disabled = true;
      status.textContent = t("saving");
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.status === "saved") {
            // Back at this part, with the page as the server now has it.
            if (part) history.replaceState(null, "", "#" + part.id);
            window.location.reload();
            return;
          }
          save.disabled = false;
          status.textContent = answer.message || t("failed");
        }, function () { save.disabled = false; status.textContent = t("failed"); });
    });
  }

  document.querySelectorAll("form.recorder").forEach(setUp);
})();
