// What-if controls: recompute the headline numbers and the decision chart from the per-request
// figures embedded as JSON, with the same formulas as Python (estimator/decision.py):
//   per request (Fusion) = r * invoked + (1 - r) * plain;  monthly = per request * volume
//   total = per request + error rate * cost per error + value of latency * latency
//   break-even = max(0, (dC + lambda dL) / (err_other - err_fusion))
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("whatif-data").textContent);
  var nojs = document.getElementById("nojs");
  if (nojs) { nojs.hidden = true; }
  var state = {
    volume: data.requests_per_month,
    cpe: data.cost_per_error,
    rate: data.invocation_rate
  };

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

  function compute() {
    var rows = {};
    data.strategies.forEach(function (s) {
      var fusion = s.invoked !== null && state.rate !== null;  // a kind that may not run
      var perRequest = fusion ? state.rate * s.invoked + (1 - state.rate) * s.plain : s.per_request;
      var latency = (fusion && s.latency_invoked_s !== null)
        ? state.rate * s.latency_invoked_s + (1 - state.rate) * s.latency_plain_s : s.latency_s;
      var total = (s.error_rate === null || state.cpe === null) ? null
        : perRequest + s.error_rate * state.cpe + data.value_of_latency * latency;
      rows[s.name] = {
        kind: s.kind, perRequest: perRequest, latency: latency, errorRate: s.error_rate,
        monthly: perRequest * state.volume, total: total,
        totalMonthly: total === null ? null : total * state.volume
      };
    });
    return rows;
  }

  function breakEven(rows, fusion, other) {
    var f = rows[fusion], o = rows[other];
    if (f.errorRate === null || o.errorRate === null) { return null; }
    var gap = o.errorRate - f.errorRate;
    if (gap <= 0) { return null; }
    var premium = (f.perRequest - o.perRequest) + data.value_of_latency * (f.latency - o.latency);
    return Math.max(0, premium / gap);
  }

  function setUsd(el, value) {
    el.textContent = usd(value);
    el.setAttribute("data-usd", value === null ? "" : String(value));
  }

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function drawDecision(rows) {
    var c = data.chart, g = document.getElementById("decision-lines");
    if (!g) { return; }
    var px = function (x) { return c.left + x / c.x_max * (c.width - c.left - c.right); };
    var py = function (y) { return c.height - c.bottom - y / c.y_max * (c.height - c.top - c.bottom); };
    var ns = "http://www.w3.org/2000/svg";
    while (g.firstChild) { g.removeChild(g.firstChild); }
    var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
    data.strategies.forEach(function (s, n) {
      var r = rows[s.name];
      if (r.errorRate === null) { return; }
      var base = r.perRequest + data.value_of_latency * r.latency;
      var line = document.createElementNS(ns, "line");
      line.setAttribute("class", "mark");
      line.setAttribute("x1", px(0)); line.setAttribute("y1", py(base));
      line.setAttribute("x2", px(c.x_max)); line.setAttribute("y2", py(base + r.errorRate * c.x_max));
      line.setAttribute("stroke", palette[n % palette.length]);
      line.setAttribute("stroke-width", "2");
      if (!s.premium) { line.setAttribute("stroke-dasharray", "6 3"); }
      var title = document.createElementNS(ns, "title");
      title.textContent = s.name;
      line.appendChild(title);
      g.appendChild(line);
    });
    data.strategies.forEach(function (f) {
      if (!f.premium) { return; }
      data.strategies.forEach(function (o) {
        if (o.premium) { return; }
        var be = breakEven(rows, f.name, o.name);
        if (be === null || be > c.x_max) { return; }
        var r = rows[f.name];
        var circle = document.createElementNS(ns, "circle");
        circle.setAttribute("class", "mark");
        circle.setAttribute("cx", px(be));
        circle.setAttribute("cy", py(r.perRequest + data.value_of_latency * r.latency + r.errorRate * be));
        circle.setAttribute("r", "5"); circle.setAttribute("fill", "none");
        circle.setAttribute("stroke", "#000"); circle.setAttribute("stroke-width", "1.5");
        var t = document.createElementNS(ns, "title");
        t.textContent = f.name + " = " + o.name + " at " + usd(be) + " per error";
        circle.appendChild(t);
        g.appendChild(circle);
      });
    });
    var marker = document.getElementById("decision-cpe");
    if (marker && state.cpe !== null) {
      marker.setAttribute("x1", px(state.cpe)); marker.setAttribute("x2", px(state.cpe));
      marker.setAttribute("visibility", "visible");
    }
  }

  function update() {
    var rows = compute();
    each("[data-whatif=monthly], [data-whatif=monthly-cell]", function (el) {
      setUsd(el, rows[el.getAttribute("data-strategy")].monthly);
    });
    each("[data-whatif=total]", function (el) {
      setUsd(el, rows[el.getAttribute("data-strategy")].total);
    });
    each("[data-whatif=total-monthly]", function (el) {
      setUsd(el, rows[el.getAttribute("data-strategy")].totalMonthly);
    });
    if (data.premium) {
      each("[data-whatif=multiplier]", function (el) {
        var v = rows[data.premium].perRequest / rows[data.baseline].perRequest;
        el.textContent = ratio(v);
        el.setAttribute("data-value", String(v));
      });
      each("[data-whatif=breakeven]", function (el) {
        setUsd(el, breakEven(rows, data.premium, el.getAttribute("data-versus")));
      });
    }
    each("[data-whatif=breakeven-cell]", function (el) {
      setUsd(el, breakEven(rows, el.getAttribute("data-premium"), el.getAttribute("data-versus")));
    });
    drawDecision(rows);
    document.getElementById("wi-volume-out").textContent = Math.round(state.volume).toLocaleString("en-US");
    document.getElementById("wi-cpe-out").textContent = state.cpe === null ? "not set" : usd(state.cpe);
    document.getElementById("wi-rate-out").textContent = state.rate === null ? "-" : state.rate.toFixed(2);
  }

  function bind(id, key) {
    var input = document.getElementById(id);
    if (!input) { return; }
    input.addEventListener("input", function () {
      state[key] = parseFloat(input.value);
      update();
    });
  }
  bind("wi-volume", "volume");
  bind("wi-cpe", "cpe");
  bind("wi-rate", "rate");
  document.getElementById("wi-reset").addEventListener("click", function () {
    state = {volume: data.requests_per_month, cpe: data.cost_per_error, rate: data.invocation_rate};
    document.getElementById("wi-volume").value = state.volume;
    document.getElementById("wi-cpe").value = state.cpe === null ? 0 : state.cpe;
    if (state.rate !== null) { document.getElementById("wi-rate").value = state.rate; }
    update();
  });
  window.fusionCostWhatIf = {state: function () { return state; }, compute: compute, update: update};
  update();
}());
