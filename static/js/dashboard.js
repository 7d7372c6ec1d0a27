// Charts and the sortable units table of the dashboard; the page is complete without them.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const colours = ["#c62828", "#1565c0", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#455a64", "#ad1457", "#9e9d24"];
  // The series' names come translated with the figures (the view's gettext).
  const pace = data.labels.pace;
  const admitted = data.labels.admitted;
  function chart(id, type, pairs, extra) {
    const el = document.getElementById(id);
    if (!el || typeof Chart === "undefined") return;
    new Chart(el, Object.assign({
      type: type,
      data: { labels: pairs.map(p => p[0]), datasets: [{ data: pairs.map(p => p[1]), backgroundColor: coloursOf(id, pairs) }] },
      options: { maintainAspectRatio: false, plugins: { legend: { display: false } } },
    }, extra || {}));
    if (type === "doughnut") legend(el, pairs, coloursOf(id, pairs));
  }
  // Counts of people: whole numbers on every axis, from zero (a month with one admission shows 1, not 0.5).
  if (typeof Chart !== "undefined") {
    Chart.defaults.scales.linear.beginAtZero = true;
    Chart.defaults.scales.linear.ticks.precision = 0;
  }
  // Each category keeps its colour in every chart and period (tracker/chart_colours.py): women are always
  // the same colour, whatever their rank in the breakdown.
  const series = { "chart-pipeline": "pipeline", "chart-category": "by_category", "chart-gender": "by_gender", "chart-age": "by_age_band", "chart-sector": "by_sector" };
  function coloursOf(id, pairs) {
    const fixed = data.colours && data.colours[series[id]];
    return fixed && fixed.length === pairs.length ? fixed : colours;
  }
  // The legend as a list under the chart: it wraps and grows with the labels, where the canvas's own legend
  // cut the eleven occupations off in a narrow card.
  function legend(el, pairs, palette) {
    const list = document.createElement("ul");
    list.className = "chart-legend list-unstyled small mb-0 mt-2";
    pairs.forEach(function (pair, i) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "chart-swatch";
      swatch.style.backgroundColor = palette[i % palette.length];
      const label = document.createElement("span");
      label.textContent = pair[0];
      const count = document.createElement("span");
      count.className = "text-muted ms-1";
      count.textContent = pair[1];
      item.append(swatch, label, count);
      list.appendChild(item);
    });
    el.parentNode.after(list);
  }
  const monthly = document.getElementById("chart-monthly");
  if (monthly && typeof Chart !== "undefined") {
    const datasets = [{ label: admitted, data: data.cumulative, borderColor: "#c62828", tension: 0.2 }];
    if (data.pace.length) datasets.push({ label: pace, data: data.pace, borderColor: "#9e9e9e", borderDash: [6, 4] });
    new Chart(monthly, { type: "line", data: { labels: data.month_labels, datasets: datasets }, options: { maintainAspectRatio: false } });
  }
  chart("chart-pipeline", "bar", data.pipeline);
  chart("chart-category", "doughnut", data.by_category);
  chart("chart-gender", "doughnut", data.by_gender);
  chart("chart-age", "doughnut", data.by_age_band);
  chart("chart-sector", "doughnut", data.by_sector);

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, column) {
      th.tabIndex = 0;
      function sort() {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach(h => h.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = th.dataset.type === "number";
        const rows = Array.from(table.tBodies[0].rows);
        rows.sort(function (a, b) {
          let x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
          if (numeric) { x = parseFloat(x); y = parseFloat(y); return ascending ? x - y : y - x; }
          return ascending ? x.localeCompare(y, "vi") : y.localeCompare(x, "vi");
        });
        rows.forEach(r => table.tBodies[0].appendChild(r));
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", e => { if (e.key === "Enter") sort(); });
    });
  });
})();
