// Selects with too many choices for a page (tracker/widgets.py): search on the server as the user types.
// The admin loads this in the page's head, before the form: wait for the page.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-search-url]").forEach(function (select) {
    new TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: [],
      score: function () { return function () { return 1; }; }, // the server has matched already
      maxOptions: 20,
      dropdownParent: "body", // not clipped by the admin's fieldsets
      placeholder: select.dataset.placeholder,
      plugins: select.multiple ? ["remove_button"] : [],
      // A single choice made: leave the field, so that the page settles before the next click (in the
      // admin the row shrinks as the field loses focus, and a click on "Save" would land beside it).
      closeAfterSelect: !select.multiple,
      onItemAdd: function () { if (!select.multiple) this.blur(); },
      shouldLoad: function (query) { return query.trim().length >= 2; }, // tracker.widgets.MIN_QUERY
      load: function (query, callback) {
        var tom = this;
        var url = select.dataset.searchUrl; // it may carry a query already (mentors-first.js adds the cell)
        fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {credentials: "same-origin"})
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
});
