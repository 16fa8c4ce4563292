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
  function usd(v) {  // fmt.usd: decimals by magnitude, a minus sign before the dollar
    if (v === null || v === undefined || isNaN(v)) { return "-"; }
    var a = Math.abs(v), text;
    if (a === 0) { return "$0"; }
    if (a >= 999.5) { text = roundHalfUp(a, 0).toLocaleString("en-US"); }
    else if (a >= 0.995) {
      text = roundHalfUp(a, 2).toLocaleString(
        "en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
    }
    else if (a >= 0.00995) { text = roundHalfUp(a, 4).toFixed(4); }
    else { text = roundHalfUp(a, 6).toFixed(6); }
    return (v < 0 ? "\u2212" : "") + "$" + text;
  }
  window.fusionCostUsd = usd;  // the browser tests compare it with the Python formatter

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
  function point() {  // the stop's row, its fields named as Python lists them
    var rate = data.rates.length ? state.rate : 0;
    var row = data.points[(rate * nv + state.volume) * nc + (data.costs_per_error.length ? state.cpe : 0)];
    if (!row) { return null; }
    var named = {};
    data.point_fields.forEach(function (name, i) { named[name] = row[i]; });
    return named;
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
    var ends = {};
    data.order.forEach(function (name) {
      var row = at(data.total, name);
      if (row === null || row[0] === null) { return; }
      ends[name] = [row[0], row[last]];
      var line = document.createElementNS(ns, "line");
      line.setAttribute("class", "mark");
      line.setAttribute("x1", px(0)); line.setAttribute("y1", py(row[0]));
      line.setAttribute("x2", px(xMax)); line.setAttribute("y2", py(row[last]));
      line.setAttribute("stroke", data.colours[name]);  // the strategy's colour on every chart
      line.setAttribute("stroke-width", "2");
      if (data.premiums.indexOf(name) < 0) { line.setAttribute("stroke-dasharray", "6 3"); }
      var title = document.createElementNS(ns, "title");
      title.textContent = name;
      line.appendChild(title);
      g.appendChild(line);
    });
    // every break-even of the table, then the verdict's pair when the table has not got it
    var marks = [];
    data.order.forEach(function (premium) {
      data.order.forEach(function (versus) {
        if (!(data.break_even[premium] || {})[versus]) { return; }
        marks.push([premium, versus, breakEven(premium, versus)]);
      });
    });
    var pair = point() ? point().pair_break_even : null;
    if (pair && !((data.break_even[pair[0]] || {})[pair[1]])) { marks.push(pair); }
    var keys = [], placed = [];
    function labelY(x, y) {  // html._label_y: up until it overlaps no number placed before
      var clash = function () {
        return placed.some(function (p) { return Math.abs(x - p[0]) < 14 && Math.abs(y - p[1]) < 12; });
      };
      while (clash()) { y -= 12; }
      placed.push([x, y]);
      return y;
    }
    marks.forEach(function (mark) {
      var premium = mark[0], versus = mark[1], be = mark[2];
      if (be === null || be > c.x_max || !ends[premium]) { return; }
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
      keys.push((keys.length + 1) + ": " + premium + " = " + versus + " at " + usd(be));
      var label = document.createElementNS(ns, "text");
      label.setAttribute("class", "label");
      label.setAttribute("x", px(be) + 6); label.setAttribute("y", labelY(px(be), py(y) - 6));
      label.textContent = String(keys.length);
      g.appendChild(label);
    });
    var key = document.getElementById("break-even-key");
    if (key) { key.textContent = keys.length ? "Break-even points: " + keys.join(" · ") : ""; }
    var marker = document.getElementById("decision-cpe");
    var cpe = data.costs_per_error[state.cpe];
    if (marker) {
      marker.setAttribute("x1", px(cpe)); marker.setAttribute("x2", px(cpe));
      marker.setAttribute("visibility", "visible");
      var text = document.getElementById("decision-cpe-label");
      if (text) { text.setAttribute("x", px(cpe) + 4); text.textContent = "your " + usd(cpe); }
    }
  }

  function text(i) { return data.texts[i]; }
  function setText(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
    return el;
  }
  function showCard(id, shown) {
    var el = document.getElementById(id);
    if (el) { el.hidden = !shown; }
  }

  // The headline at this stop, as Python worded it (renderers/headline.py): the badge, the
  // choice and its share, every reason, the recommendation, the verdict's pair and the two
  // chart titles that state it. Nothing here is worded in JavaScript.
  function showHeadline() {
    var p = point();
    if (!p) { return; }
    setText("verdict", text(p.badge));
    setText("verdict-chosen", text(p.chosen));
    setText("verdict-share", text(p.share));
    var list = document.getElementById("verdict-reasons");
    if (list) {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      p.reasons.forEach(function (i) {
        var item = document.createElement("li");
        item.textContent = text(i);
        list.appendChild(item);
      });
    }
    var value = setText("recommended-monthly", text(p.recommendation_value));
    if (value) { value.setAttribute("data-usd", p.monthly === null ? "" : String(p.monthly)); }
    setText("recommended-label", text(p.recommendation_label));
    setText("pair-label", text(p.pair_label));
    setText("pair-multiplier", text(p.multiplier));
    showCard("pair-card", text(p.pair_label) !== "");
    setText("break-even-label", text(p.break_even_label));
    setText("break-even-value", text(p.break_even_value));
    showCard("break-even-card", text(p.break_even_label) !== "");
    setText("cost-title", text(p.cost_title));
    setText("decision-title", text(p.decision_title));
    setText("how-sure-text", isOwn() ? data.how_sure : data.how_sure_elsewhere);
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
    each("[data-whatif=breakeven-cell]", function (el) {
      setUsd(el, breakEven(el.getAttribute("data-premium"), el.getAttribute("data-versus")));
    });
    showHeadline();
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
