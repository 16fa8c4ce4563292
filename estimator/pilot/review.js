// The blind review page's script (estimator/pilot/review.py builds the page).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var store = "fusion-cost-review:" + data.pilot;
  var grades = JSON.parse(localStorage.getItem(store) || "{}");
  function save() { localStorage.setItem(store, JSON.stringify(grades)); count(); }
  function count() {
    var done = Object.keys(grades).length;
    var text = done + " of " + data.answers + " answers graded";
    document.getElementById("progress").textContent = text;
  }
  document.querySelectorAll("[data-token]").forEach(function (box) {
    var token = box.getAttribute("data-token");
    box.querySelectorAll("button[data-grade]").forEach(function (b) {
      if (grades[token] && grades[token].grade === b.getAttribute("data-grade")) { b.classList.add("on"); }
      b.addEventListener("click", function () {
        grades[token] = {prompt_id: box.getAttribute("data-prompt"), token: token, grade: b.getAttribute("data-grade")};
        box.querySelectorAll("button[data-grade]").forEach(function (o) { o.classList.remove("on"); });
        b.classList.add("on");
        save();
      });
    });
  });
  document.getElementById("export").addEventListener("click", function () {
    var out = {pilot: data.pilot, grades: Object.keys(grades).map(function (k) { return grades[k]; })};
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(out, null, 1)], {type: "application/json"}));
    link.download = "grades.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
  count();
}());
