// authlint HTML report: the filter by rule, the search by application name, and the flow
// diagrams of clean applications, drawn when one is opened. Text from the report goes into the
// page only through textContent, attributes only from numbers and a fixed set of class names.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  // The layout constants of src/report/html/svg.rs (the report draws the same shapes as SVG).
  var PAD = 8, LINE = 15, FIRST_BASELINE = PAD + 11;
  var CLASS = /^[a-z]{1,4}( [a-z]{1,4}){0,3}$/;

  var ruleFilter = document.getElementById('rule-filter');
  var search = document.getElementById('app-search');
  var shown = document.getElementById('shown');
  var noneShown = document.getElementById('none-shown');
  var apps = Array.prototype.map.call(document.querySelectorAll('article.app'), function (el) {
    return {
      el: el,
      name: (el.getAttribute('data-app') || '').toLowerCase(),
      findings: Array.prototype.slice.call(el.querySelectorAll('.finding'))
    };
  });
  var others = Array.prototype.slice.call(document.querySelectorAll('#other .finding'));
  var otherFiles = Array.prototype.slice.call(document.querySelectorAll('#other .file'));
  // Clean applications, each with the index of its tenant's group (heading and list).
  var groups = Array.prototype.slice.call(document.querySelectorAll('#clean > .tenant'));
  var cleans = [];
  groups.forEach(function (group, g) {
    Array.prototype.forEach.call(group.querySelectorAll('ul.clean > li'), function (el) {
      cleans.push({ el: el, group: g, name: (el.getAttribute('data-app') || '').toLowerCase() });
    });
  });

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  // Writes `hidden` only when it changes: every write restyles the element, even to the same
  // value, and a large report has tens of thousands of them.
  function show(el, visible) {
    if (el.hidden === visible) { el.hidden = !visible; }
    return visible;
  }

  function apply() {
    var rule = ruleFilter.value;
    var query = search.value.trim().toLowerCase();
    var appsShown = 0, findingsShown = 0, cleanShown = 0;
    apps.forEach(function (app) {
      var matchesName = !query || app.name.indexOf(query) !== -1;
      var any = 0;
      app.findings.forEach(function (f) {
        if (show(f, !rule || f.getAttribute('data-rule') === rule)) { any += 1; }
      });
      if (show(app.el, matchesName && any > 0)) { appsShown += 1; findingsShown += any; }
    });
    // Findings outside applications have no name to search for: a search hides them.
    others.forEach(function (f) {
      if (show(f, query === '' && (rule === '' || f.getAttribute('data-rule') === rule))) { findingsShown += 1; }
    });
    otherFiles.forEach(function (file) {
      show(file, !!file.querySelector('.finding:not([hidden])'));
    });
    // Clean applications have no finding of any rule. A tenant's heading goes with its list.
    var groupShown = groups.map(function () { return 0; });
    cleans.forEach(function (c) {
      if (show(c.el, rule === '' && (query === '' || c.name.indexOf(query) !== -1))) {
        cleanShown += 1;
        groupShown[c.group] += 1;
      }
    });
    groups.forEach(function (group, g) { show(group, groupShown[g] > 0); });
    shown.textContent = 'Showing ' + plural(findingsShown, 'finding') + ' in ' +
      plural(appsShown, 'application') + ', and ' + plural(cleanShown, 'application') + ' without findings.';
    show(noneShown, findingsShown + cleanShown === 0);
  }
  ruleFilter.addEventListener('change', apply);
  search.addEventListener('input', apply);
  apply();

  // A link to a rule's documentation opens it. The fragment is the reader's, not ours: one that
  // is not valid percent-encoding (`#%`) names nothing.
  function openTarget() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    var target = id && document.getElementById(id);
    var details = target && target.closest('details');
    if (details) { details.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  // A second click on the same link changes no hash: open the documentation all the same.
  document.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#doc-"]') : null;
    var target = link && document.getElementById(link.getAttribute('href').slice(1));
    var details = target && target.closest('details');
    if (details) { details.open = true; }
  });

  // --- diagrams of clean applications -------------------------------------------------------
  // The element holds {"strings": [...], "scenes": [...]}; every string of a scene is an index
  // into `strings` (see Scene::to_json in src/report/html/svg.rs).
  var data = null;
  function load() {
    if (data === null) {
      var element = document.getElementById('scenes');
      try { data = JSON.parse(element ? element.textContent : '{}'); } catch (e) { data = {}; }
      if (!data || typeof data !== 'object') { data = {}; }
      if (!Array.isArray(data.strings)) { data.strings = []; }
      if (!Array.isArray(data.scenes)) { data.scenes = []; }
    }
    return data;
  }
  function str(i) {
    var s = load().strings[i];
    return typeof s === 'string' ? s : '';
  }
  function num(v) { return typeof v === 'number' && isFinite(v) ? String(v) : '0'; }
  function node(name, cls, attrs) {
    var el = document.createElementNS(SVG, name);
    if (typeof cls === 'string' && CLASS.test(cls)) { el.setAttribute('class', cls); }
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, num(attrs[k])); });
    return el;
  }
  // Appends the lines that start at shape[from]: line k has its baseline at (x, y + k * LINE).
  function lines(svg, shape, from, x, y) {
    var k = 0;
    for (var i = from; i + 1 < shape.length; k += 1) {
      var cut = shape[i] < 0;
      var t = node('text', str(cut ? -1 - shape[i] : shape[i]), { x: x, y: y + k * LINE });
      t.textContent = str(shape[i + 1]);
      if (cut) {
        var title = document.createElementNS(SVG, 'title');
        title.textContent = str(shape[i + 2]);
        t.appendChild(title);
      }
      svg.appendChild(t);
      i += cut ? 3 : 2;
    }
  }
  function draw(scene, label) {
    var svg = node('svg', 'flow', { width: scene[0], height: scene[1] });
    svg.setAttribute('viewBox', '0 0 ' + num(scene[0]) + ' ' + num(scene[1]));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    (Array.isArray(scene[2]) ? scene[2] : []).forEach(function (s) {
      if (!Array.isArray(s)) { return; }
      if (typeof s[0] === 'number') {
        // A box: x, y, w, h, class, lines.
        svg.appendChild(node('rect', str(s[4]), { x: s[0], y: s[1], width: s[2], height: s[3] }));
        lines(svg, s, 5, s[0] + PAD, s[1] + FIRST_BASELINE);
      } else if (Array.isArray(s[0])) {
        // An arrow: points, class, label position, lines.
        var d = '';
        for (var i = 0; i + 1 < s[0].length; i += 2) {
          d += (i === 0 ? 'M' : 'L') + num(s[0][i]) + ' ' + num(s[0][i + 1]);
        }
        var path = node('path', str(s[1]), {});
        path.setAttribute('d', d);
        svg.appendChild(path);
        lines(svg, s, 4, s[2], s[3]);
      }
    });
    return svg;
  }
  // A clean application's button draws its diagram under it, or hides it again.
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button[data-scene]') : null;
    if (!button) { return; }
    var open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
    button.parentNode.classList.toggle('open', open);
    var box = button.nextElementSibling;
    if (box) { box.hidden = !open; return; }
    box = document.createElement('div');
    box.className = 'scroll';
    var scene = load().scenes[Number(button.getAttribute('data-scene'))];
    if (Array.isArray(scene)) {
      box.appendChild(draw(scene, 'Sign-in flow of ' + button.textContent));
    } else {
      box.textContent = 'No diagram for this application.';
    }
    button.parentNode.appendChild(box);
  });

  // Last, once every listener is in place: the fragment the page was opened with.
  openTarget();
})();
