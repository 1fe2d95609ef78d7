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
  var cleans = Array.prototype.map.call(document.querySelectorAll('ul.clean > li'), function (el) {
    return { el: el, name: (el.getAttribute('data-app') || '').toLowerCase() };
  });

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  function apply() {
    var rule = ruleFilter.value;
    var query = search.value.trim().toLowerCase();
    var appsShown = 0, findingsShown = 0, cleanShown = 0;
    apps.forEach(function (app) {
      var matchesName = !query || app.name.indexOf(query) !== -1;
      var any = 0;
      app.findings.forEach(function (f) {
        var keep = !rule || f.getAttribute('data-rule') === rule;
        f.hidden = !keep;
        if (keep) { any += 1; }
      });
      app.el.hidden = !(matchesName && any > 0);
      if (!app.el.hidden) { appsShown += 1; findingsShown += any; }
    });
    // Findings outside applications have no name to search for: a search hides them.
    others.forEach(function (f) {
      f.hidden = query !== '' || (rule !== '' && f.getAttribute('data-rule') !== rule);
      if (!f.hidden) { findingsShown += 1; }
    });
    otherFiles.forEach(function (file) {
      file.hidden = !file.querySelector('.finding:not([hidden])');
    });
    // Clean applications have no finding of any rule.
    cleans.forEach(function (c) {
      c.el.hidden = rule !== '' || (query !== '' && c.name.indexOf(query) === -1);
      if (!c.el.hidden) { cleanShown += 1; }
    });
    shown.textContent = 'Showing ' + plural(findingsShown, 'finding') + ' in ' +
      plural(appsShown, 'application') + ', and ' + plural(cleanShown, 'application') + ' without findings.';
    noneShown.hidden = findingsShown + cleanShown > 0;
  }
  ruleFilter.addEventListener('change', apply);
  search.addEventListener('input', apply);
  apply();

  // A link to a rule's documentation opens it.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var details = target && target.closest('details');
    if (details) { details.open = true; }
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();

  // --- diagrams of clean applications -------------------------------------------------------
  var scenes = null;
  function sceneAt(index) {
    if (scenes === null) {
      var data = document.getElementById('scenes');
      try { scenes = JSON.parse(data ? data.textContent : '[]'); } catch (e) { scenes = []; }
    }
    return Array.isArray(scenes) ? scenes[index] : undefined;
  }
  function num(v) { return typeof v === 'number' && isFinite(v) ? String(v) : '0'; }
  function node(name, cls, attrs) {
    var el = document.createElementNS(SVG, name);
    if (typeof cls === 'string' && CLASS.test(cls)) { el.setAttribute('class', cls); }
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, num(attrs[k])); });
    return el;
  }
  // A line is [class, text] or [class, text, full text].
  function textLine(line, x, y) {
    var t = node('text', line[0], { x: x, y: y });
    t.textContent = String(line[1]);
    if (line.length > 2) {
      var title = document.createElementNS(SVG, 'title');
      title.textContent = String(line[2]);
      t.appendChild(title);
    }
    return t;
  }
  function draw(scene, label) {
    var svg = node('svg', 'flow', { width: scene[0], height: scene[1] });
    svg.setAttribute('viewBox', '0 0 ' + num(scene[0]) + ' ' + num(scene[1]));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    (scene[2] || []).forEach(function (s) {
      if (typeof s[0] === 'number') {
        // A box: [x, y, w, h, class, lines].
        svg.appendChild(node('rect', s[4], { x: s[0], y: s[1], width: s[2], height: s[3] }));
        (s[5] || []).forEach(function (line, k) {
          svg.appendChild(textLine(line, s[0] + PAD, s[1] + FIRST_BASELINE + k * LINE));
        });
      } else if (Array.isArray(s[0])) {
        // An arrow: [[x0, y0, x1, y1, ...], class, x, y, lines].
        var d = '';
        for (var i = 0; i + 1 < s[0].length; i += 2) {
          d += (i === 0 ? 'M' : 'L') + num(s[0][i]) + ' ' + num(s[0][i + 1]);
        }
        var path = node('path', s[1], {});
        path.setAttribute('d', d);
        svg.appendChild(path);
        (s[4] || []).forEach(function (line, k) {
          svg.appendChild(textLine(line, s[2], s[3] + k * LINE));
        });
      }
    });
    return svg;
  }
  document.addEventListener('toggle', function (event) {
    var details = event.target;
    if (!details.open || !details.hasAttribute('data-scene') || details.querySelector('svg')) { return; }
    var scene = sceneAt(Number(details.getAttribute('data-scene')));
    var box = document.createElement('div');
    box.className = 'scroll';
    if (Array.isArray(scene)) {
      var summary = details.querySelector('summary');
      box.appendChild(draw(scene, 'Sign-in flow of ' + (summary ? summary.textContent : '')));
    } else {
      box.textContent = 'No diagram for this application.';
    }
    details.appendChild(box);
  }, true);
})();
