// udpbench live page: tiles and a round-trip chart from /events.
// Every text that comes from the run (board names above all) goes in with
// textContent, never as HTML. The page keeps the last state it got when
// the stream ends, so the final figures stay on the wall after the run.
"use strict";

(function () {
  var WINDOW_NS = 60e9;            // the chart shows the last 60 s of send time at most
  var SHORTEST_NS = 10e9;          // and 10 s at least, so that a young run is not a sliver
  // dark enough to read on white; after 16 the colours come round again (the legend names them)
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#000000", "#882255", "#44AA99", "#999933", "#AA4499", "#332288",
                 "#117733", "#661100", "#6699CC", "#888888"];
  var words = {};
  var run = null;
  var boards = [];
  var points = [];                 // per board: [[tx_ns, rtt_ns or null], ...]
  var finished = false;
  var connected = false;
  var tiles = [];

  function $(id) { return document.getElementById(id); }
  function w(key) { return words[key] || key; }

  // three figures at most: "845 µs", "1.23 ms", "48.2 ms", "312 ms"
  function figures(v) { return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0); }

  function ms(ns) {
    return ns < 1e6 ? figures(ns / 1e3) + " " + w("us") : figures(ns / 1e6) + " " + w("ms");
  }

  // an axis label: the unit the top of the axis takes, as many decimals as the step needs
  function axisLabel(ns, topNs) {
    var unit = topNs <= 1e6 ? 1e3 : 1e6, v = ns / unit, step = topNs / unit / 4, decimals = 0;
    while (decimals < 3 && Math.abs(step * Math.pow(10, decimals) - Math.round(step * Math.pow(10, decimals))) > 1e-6)
      decimals++;
    return v.toFixed(decimals) + " " + w(unit === 1e3 ? "us" : "ms");
  }

  function el(tag, cls, parent) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }

  function boardLabel(b) { return b.name !== null && b.name !== "" ? b.name : b.address; }

  function makeTile(i) {
    var t = el("article", "tile", $("tiles"));
    var head = el("div", "tile-head", t);
    var dot = el("span", "dot", head);
    dot.style.backgroundColor = COLOURS[i % COLOURS.length];
    var parts = {
      root: t,
      name: el("h3", "name", head),
      addr: el("div", "addr", t),
      now: el("div", "rtt-now", t),
      stats: el("div", "rtt-stats", t)
    };
    var loss = el("div", "loss", t);
    parts.lossPct = el("span", "loss-pct", loss);
    parts.split = el("span", "split", loss);
    parts.recent = el("div", "recent", t);
    parts.heard = el("div", "heard", t);
    return parts;
  }

  function splitText(b) {
    if (b.lost_up === null || b.lost_down === null) return "";
    return w("up") + " " + b.lost_up + " · " + w("down") + " " + b.lost_down;
  }

  // the latest complete interval record: what is happening now, not since the start
  function recentText(b) {
    var iv = b.interval;
    if (!iv || !iv.sent) return "";
    return w("recent") + " " + ((iv.end_ns - iv.start_ns) / 1e9).toFixed(0) + " " + w("seconds") + ": " +
      w("loss") + " " + (100 * iv.lost / iv.sent).toFixed(0) + " %";
  }

  function heardText(b) {
    if (b.last_heard_ns === null) return w("heard") + ": " + w("no_reply");
    return w("heard") + " " + (b.age_ns / 1e9).toFixed(1) + " " + w("ago");
  }

  function statsText(b) {
    if (b.rtt_median_ns === null) return w("median") + " –";
    if (boards.length > 16) return w("median") + " " + ms(b.rtt_median_ns);  // small tiles
    var med = ms(b.rtt_median_ns), p99 = ms(b.rtt_p99_ns), unit = / .*/;
    // "1.50 · p99 3.00 ms": a unit both share is said once
    if (med.match(unit)[0] === p99.match(unit)[0]) med = med.replace(unit, "");
    return w("median") + " " + med + " · " + w("p99") + " " + p99;
  }

  function fillTile(p, b) {
    p.root.classList.toggle("silent", !!b.silent);
    p.name.textContent = boardLabel(b);
    p.addr.textContent = b.name ? b.address : b.peer !== b.address ? b.peer : "";
    if (b.silent && b.rtt_now_ns === null) {
      p.now.textContent = w("no_reply");
    } else if (b.silent) {
      p.now.textContent = w("silent");
    } else {
      p.now.textContent = b.rtt_now_ns === null ? "–" : ms(b.rtt_now_ns);
    }
    p.stats.textContent = statsText(b);
    p.lossPct.textContent = w("loss") + " " + (b.loss_pct === null ? "–" : b.loss_pct.toFixed(1) + " %");
    p.split.textContent = splitText(b);
    p.recent.textContent = recentText(b);
    p.heard.textContent = heardText(b) + " · " + w("sent") + " " + b.sent;
  }

  function renderTiles() {
    var i;
    while (tiles.length < boards.length) tiles.push(makeTile(tiles.length));
    for (i = 0; i < boards.length; i++) fillTile(tiles[i], boards[i]);
    $("tiles").className = "tiles" + (boards.length > 16 ? " many" : "");
  }

  function renderStatus() {
    var s = $("status"), text;
    if (finished) {
      text = w("finished");
    } else if (!connected && run) {
      text = w("lost_link");
    } else {
      text = w("running");
    }
    if (run && run.elapsed_ns !== null)
      text += " · " + w("elapsed") + " " + (run.elapsed_ns / 1e9).toFixed(0) + " " + w("seconds");
    if (run) text += " · " + boards.length + " " + w("boards");
    s.textContent = text;
    s.className = "status" + (finished ? " ended" : !connected ? " broken" : "");
  }

  function renderLegend() {
    var ul = $("legend"), i, li;
    if (ul.childNodes.length === boards.length) return;
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    for (i = 0; i < boards.length; i++) {
      li = el("li", null, ul);
      el("span", "dot", li).style.backgroundColor = COLOURS[i % COLOURS.length];
      el("span", null, li).textContent = boardLabel(boards[i]);
    }
  }

  // Points older than the chart's window are forgotten.
  function addPoints(list) {
    var i, p, end = run && run.elapsed_ns !== null ? run.elapsed_ns : 0;
    for (i = 0; i < list.length; i++) {
      p = list[i];
      if (!points[p[0]]) points[p[0]] = [];
      points[p[0]].push([p[1], p[2]]);
    }
    for (i = 0; i < points.length; i++) {
      if (!points[i]) continue;
      while (points[i].length && points[i][0][0] < end - WINDOW_NS) points[i].shift();
    }
  }

  // A round number at or above v for the chart's top: 1, 2, 5 × 10^n.
  function niceTop(v) {
    var e = Math.pow(10, Math.floor(Math.log10(v))), m = v / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
  }

  function visibleMax(from) {
    var top = 0, i, k, p;
    for (i = 0; i < points.length; i++)
      for (k = 0; points[i] && k < points[i].length; k++) {
        p = points[i][k];
        if (p[0] >= from && p[1] !== null && p[1] > top) top = p[1];
      }
    return top;
  }

  function drawAxes(g, box, from, topNs) {
    var i, y, x, s, spanS = box.span / 1e9, step = spanS <= 12 ? 2 : spanS <= 30 ? 5 : 10;
    g.strokeStyle = "#bbbbbb";
    g.fillStyle = "#222222";
    g.lineWidth = 1;
    g.font = box.font + "px sans-serif";
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (i = 0; i <= 4; i++) {
      y = box.y0 + box.h - (box.h * i) / 4;
      g.beginPath(); g.moveTo(box.x0, y); g.lineTo(box.x0 + box.w, y); g.stroke();
      g.fillText(axisLabel((topNs * i) / 4, topNs), box.x0 - 8, y);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (s = 0; s <= spanS; s += step) {
      x = box.x0 + box.w * (spanS - s) / spanS;
      g.fillText((s ? "−" + s : "0") + " " + w("seconds"), x, box.y0 + box.h + 6);
    }
    // the strip above the plot where lost probes are marked
    g.textAlign = "right";
    g.textBaseline = "middle";
    g.fillStyle = "#D55E00";
    g.fillText(w("lost") + " ×", box.x0 - 8, box.lostY + box.lostH / 2);
  }

  function drawBoard(g, box, i, from, topNs) {
    var list = points[i], k, p, x, y, r = box.font / 4;
    if (!list) return;
    g.strokeStyle = g.fillStyle = COLOURS[i % COLOURS.length];
    for (k = 0; k < list.length; k++) {
      p = list[k];
      if (p[0] < from) continue;
      x = box.x0 + ((p[0] - from) / box.span) * box.w;
      if (p[1] === null) {
        y = box.lostY + (boards.length > 1 ? (i % 8) * box.lostH / 7 : box.lostH / 2);
        g.lineWidth = 2.5;
        g.beginPath();
        g.moveTo(x - r, y - r); g.lineTo(x + r, y + r);
        g.moveTo(x - r, y + r); g.lineTo(x + r, y - r);
        g.stroke();
      } else {
        y = box.y0 + box.h - Math.min(p[1] / topNs, 1) * box.h;
        g.fillRect(x - 2, y - 2, 5, 5);
      }
    }
  }

  function drawChart() {
    var c = $("chart"), dpr = window.devicePixelRatio || 1, g, box, from, end, topNs, i;
    var cw = c.clientWidth, ch = c.clientHeight;
    if (!cw || !ch) return;
    if (c.width !== Math.round(cw * dpr) || c.height !== Math.round(ch * dpr)) {
      c.width = Math.round(cw * dpr);
      c.height = Math.round(ch * dpr);
    }
    g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cw, ch);
    box = { font: Math.max(16, Math.round(ch / 16)) };
    box.x0 = box.font * 6; box.w = cw - box.x0 - box.font;
    // lost probes: a strip above the plot, a row for each board (eight rows, then round again)
    box.lostY = box.font * 0.6; box.lostH = boards.length > 1 ? box.font * 2.4 : 0;
    box.y0 = box.lostY + box.lostH + box.font * 1.2; box.h = ch - box.y0 - box.font * 2.2;
    end = run && run.elapsed_ns !== null ? run.elapsed_ns : 0;
    box.span = Math.min(WINDOW_NS, Math.max(end, SHORTEST_NS));
    from = end - box.span;
    topNs = niceTop(Math.max(visibleMax(from) * 1.1, 1e4));
    drawAxes(g, box, from, topNs);
    for (i = 0; i < boards.length; i++) drawBoard(g, box, i, from, topNs);
  }

  function render() {
    renderStatus();
    renderTiles();
    renderLegend();
    drawChart();
  }

  function take(state, first) {
    if (first) {
      words = state.words || words;
      points = [];
      document.title = w("title");
      document.documentElement.lang = state.run.lang === "zh" ? "zh-CN" : "en";
      $("title").textContent = w("title") + (state.run.label ? " · " + state.run.label : "");
      $("chart-title").textContent = w("chart");
    }
    run = state.run;
    boards = state.boards;
    finished = finished || !!run.finished;
    addPoints(state.points || []);
    render();
  }

  function listen() {
    var es = new EventSource("/events");
    es.addEventListener("state", function (ev) { connected = true; take(JSON.parse(ev.data), true); });
    es.addEventListener("tick", function (ev) { connected = true; take(JSON.parse(ev.data), false); });
    es.onerror = function () {
      connected = false;
      if (finished) es.close();   // the run is over: keep its last figures on screen
      renderStatus();
    };
  }

  window.addEventListener("resize", drawChart);
  document.addEventListener("DOMContentLoaded", listen);
})();
