// Selects with too many choices for a page (tracker/widgets.py): search on the server as the user types.
document.querySelectorAll("select[data-search-url]").forEach(function (select) {
  new TomSelect(select, {
    valueField: "value",
    labelField: "text",
    searchField: [],
    score: function () { return function () { return 1; }; }, // the server has matched already
    maxOptions: 20,
    placeholder: select.dataset.placeholder,
    plugins: select.multiple ? ["remove_button"] : [],
    shouldLoad: function (query) { return query.trim().length >= 2; }, // tracker.widgets.MIN_QUERY
    load: function (query, callback) {
      var tom = this;
      fetch(select.dataset.searchUrl + "?q=" + encodeURIComponent(query), {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) { tom.clearOptions(); callback(data.results); })
        .catch(function () { callback(); });
    },
    render: {
      no_results: function () {
        var div = document.createElement("div");
        div.className = "no-results";
        div.textContent = select.dataset.noResults;
        return div;
      },
    },
  });
});
