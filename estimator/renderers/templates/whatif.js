// What-if controls. Every figure the sliders touch was computed in Python by the estimate's
// own functions at every slider stop (estimator/decision/whatif.py) and embedded as JSON:
// this script only looks figures up, formats them and moves chart marks. No cost formula is
// copied here, so the page cannot drift from the Python.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("whatif-data").textContent);
  var nojs = document.getElementById("nojs");
  if (nojs) { nojs.hidden = true; }
  if (!data.enabled) { return; }
  var state = {volume: data.own.volume, cpe: data.own.cpe, rate: data.own.rate};

  // One rounding rule with the Python renderers (estimator/renderers/fmt.py): half away from
  // zero on the decimal value, shifting the decimal point in the number's text (no binary
  // multiplication, so 134.465 rounds to 134.47 here as it does in Python).
  function shift(x, places) {
    var parts = String(x).split("e");
    return Number(parts[0] + "e" + ((parts.length > 1 ? Number(parts[1]) : 0) + places));
  }
  function roundHalfUp(v, places) {
    var r = shift(Math.round(shift(Math.abs(v), places)), -places);
    return v < 0 ? -r : r;
  }
  function usd(v) {
    if (v === null || v === undefined || isNaN(v)) { return "-"; }
    var a = Math.abs(v);
    if (a >= 999.5) { return "$" + roundHalfUp(v, 0).toLocaleString("en-US"); }
    if (a >= 0.995) {
      return "$" + roundHalfUp(v, 2).toLocaleString(
        "en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
    }
    if (a === 0) { return "$0"; }
    if (a >= 0.00995) { return "$" + roundHalfUp(v, 4).toFixed(4); }
    return "$" + roundHalfUp(v, 6).toFixed(6);
  }
  window.fusionCostUsd = usd;  // the browser tests compare it with the Python formatter
  function ratio(v) {
    if (v === null || !isFinite(v)) { return "-"; }
    return v < 100 ? v.toFixed(1) + "x" : Math.round(v).toLocaleString("en-US") + "x";
  }

  var nc = Math.max(1, data.costs_per_error.length);
  var nv = data.volumes.length;
  function at(table, name) {  // a strategy's figure at the sliders' stops
    var byRate = table[name];
    return byRate === undefined ? null : byRate[state.rate] !== undefined ? byRate[state.rate] : byRate[0];
  }
  function total(name) {
    var row = at(data.total, name);
    return row === null ? null : row[data.costs_per_error.length ? state.cpe : 0];
  }
  function totalMonthly(name) {
    var rows = at(data.total_monthly, name);
    return rows === null ? null : rows[state.volume][data.costs_per_error.length ? state.cpe : 0];
  }
  function breakEven(premium, versus) {
    var row = (data.break_even[premium] || {})[versus];
    if (row === undefined) { return null; }
    var v = row[state.rate] !== undefined ? row[state.rate] : row[0];
    return v === undefined ? null : v;
  }
  function point() {
    var rate = data.rates.length ? state.rate : 0;
    return data.points[(rate * nv + state.volume) * nc + (data.costs_per_error.length ? state.cpe : 0)];
  }
  function isOwn() {
    return state.volume === data.own.volume && state.cpe === data.own.cpe && state.rate === data.own.rate;
  }

  function setUsd(el, value) {
    el.textContent = usd(value);
    el.setAttribute("data-usd", value === null ? "" : String(value));
  }
  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function drawDecision() {
    var c = data.chart, g = document.getElementById("decision-lines");
    if (!g || !data.costs_per_error.length) { return; }
    var last = data.costs_per_error.length - 1, xMax = data.costs_per_error[last];
    var px = function (x) { return c.left + x / c.x_max * (c.width - c.left - c.right); };
    var py = function (y) { return c.height - c.bottom - y / c.y_max * (c.height - c.top - c.bottom); };
    var ns = "http://www.w3.org/2000/svg";
    while (g.firstChild) { g.removeChild(g.firstChild); }
    var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
    var ends = {};
    data.order.forEach(function (name, n) {
      var row = at(data.total, name);
      if (row === null || row[0] === null) { return; }
      ends[name] = [row[0], row[last]];
      var line = document.createElementNS(ns, "line");
      line.setAttribute("class", "mark");
      line.setAttribute("x1", px(0)); line.setAttribute("y1", py(row[0]));
      line.setAttribute("x2", px(xMax)); line.setAttribute("y2", py(row[last]));
      line.setAttribute("stroke", palette[n % palette.length]);
      line.setAttribute("stroke-width", "2");
      if (data.premiums.indexOf(name) < 0) { line.setAttribute("stroke-dasharray", "6 3"); }
      var title = document.createElementNS(ns, "title");
      title.textContent = name;
      line.appendChild(title);
      g.appendChild(line);
    });
    var keys = [];
    data.order.forEach(function (premium) {
      data.order.forEach(function (versus) {
        if (!(data.break_even[premium] || {})[versus]) { return; }
        var be = breakEven(premium, versus);
        if (be === null || be > xMax || !ends[premium]) { return; }
        var y = ends[premium][0] + (ends[premium][1] - ends[premium][0]) * be / xMax;  // on its line
        var circle = document.createElementNS(ns, "circle");
        circle.setAttribute("class", "mark");
        circle.setAttribute("cx", px(be)); circle.setAttribute("cy", py(y));
        circle.setAttribute("r", "5"); circle.setAttribute("fill", "none");
        circle.setAttribute("stroke", "#000"); circle.setAttribute("stroke-width", "1.5");
        var t = document.createElementNS(ns, "title");
        t.textContent = premium + " = " + versus + " at " + usd(be) + " per error";
        circle.appendChild(t);
        g.appendChild(circle);
        if (premium !== data.premium) { return; }  // the rest are named on hover
        keys.push((keys.length + 1) + ": " + premium + " = " + versus + " at " + usd(be));
        var label = document.createElementNS(ns, "text");
        label.setAttribute("class", "label");
        label.setAttribute("x", px(be) + 6); label.setAttribute("y", py(y) - 6);
        label.textContent = String(keys.length);
        g.appendChild(label);
      });
    });
    var key = document.getElementById("break-even-key");
    if (key) {
      key.textContent = keys.length ? "Break-even points of " + data.premium + ": " + keys.join(" · ") : "";
    }
    var marker = document.getElementById("decision-cpe");
    var cpe = data.costs_per_error[state.cpe];
    if (marker) {
      marker.setAttribute("x1", px(cpe)); marker.setAttribute("x2", px(cpe));
      marker.setAttribute("visibility", "visible");
      var text = document.getElementById("decision-cpe-label");
      if (text) { text.setAttribute("x", px(cpe) + 4); text.textContent = "your " + usd(cpe); }
    }
  }

  function showVerdict() {
    var p = point();
    if (!p) { return; }
    document.getElementById("verdict").textContent = p[0];
    document.getElementById("verdict-chosen").textContent = p[1];
    document.getElementById("verdict-share").textContent =  // fmt.up_to: rounded down
      (p[2] ? " for up to " + Math.floor(p[2] * 100 + 1e-9) + "% of traffic" : "")
      + (p[2] && p[4] ? ", " + p[4] + " for the rest" : "");
    var recommended = document.getElementById("recommended-monthly");
    if (recommended) { setUsd(recommended, p[5]); }
    var lead = document.getElementById("verdict-lead");
    var reasons = document.getElementById("verdict-reasons");
    var own = isOwn();
    lead.hidden = own;
    lead.textContent = own ? "" : "At these slider values: " + data.leads[p[3]];
    if (reasons) { reasons.hidden = !own; }
  }

  function update() {
    each("[data-whatif=monthly], [data-whatif=monthly-cell]", function (el) {
      var rows = at(data.monthly, el.getAttribute("data-strategy"));
      setUsd(el, rows === null ? null : rows[state.volume]);
    });
    each("[data-whatif=budget-fit]", function (el) {
      var rows = at(data.fits_budget, el.getAttribute("data-strategy"));
      var fits = rows === null ? null : rows[state.volume];
      if (fits === null || data.budget === null) { return; }
      el.textContent = (fits ? "within" : "over") + " the " + usd(data.budget) + " budget";
      el.className = "k " + (fits ? "fits" : "over");
    });
    var sub = document.getElementById("sub-requests");
    if (sub) { sub.textContent = Math.round(data.volumes[state.volume]).toLocaleString("en-US"); }
    each("[data-whatif=per-request]", function (el) {
      setUsd(el, at(data.per_request, el.getAttribute("data-strategy")));
    });
    each("[data-whatif=total]", function (el) { setUsd(el, total(el.getAttribute("data-strategy"))); });
    each("[data-whatif=total-monthly]", function (el) {
      setUsd(el, totalMonthly(el.getAttribute("data-strategy")));
    });
    each("[data-whatif=multiplier]", function (el) {
      var v = at(data.multiplier, el.getAttribute("data-strategy"));
      el.textContent = ratio(v);
      el.setAttribute("data-value", v === null ? "" : String(v));
    });
    each("[data-whatif=breakeven], [data-whatif=breakeven-cell]", function (el) {
      setUsd(el, breakEven(el.getAttribute("data-premium"), el.getAttribute("data-versus")));
    });
    showVerdict();
    drawDecision();
    document.getElementById("wi-volume-out").textContent =
      Math.round(data.volumes[state.volume]).toLocaleString("en-US");
    document.getElementById("wi-cpe-out").textContent =
      data.costs_per_error.length ? usd(data.costs_per_error[state.cpe]) : "not set";
    document.getElementById("wi-rate-out").textContent =
      data.rates.length ? data.rates[state.rate].toFixed(2) : "-";
  }

  function bind(id, key) {
    var input = document.getElementById(id);
    if (!input) { return; }
    input.addEventListener("input", function () {
      state[key] = parseInt(input.value, 10);
      update();
    });
  }
  bind("wi-volume", "volume");
  bind("wi-cpe", "cpe");
  bind("wi-rate", "rate");
  document.getElementById("wi-reset").addEventListener("click", function () {
    state = {volume: data.own.volume, cpe: data.own.cpe, rate: data.own.rate};
    document.getElementById("wi-volume").value = state.volume;
    document.getElementById("wi-cpe").value = state.cpe;
    document.getElementById("wi-rate").value = state.rate;
    update();
  });
  window.fusionCostWhatIf = {state: function () { return state; }, update: update};
  update();
}());
