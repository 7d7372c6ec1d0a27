// The admin's organization form: the parent field offers only the organizations that may hold the kind
// chosen (cells.models.ALLOWED_PARENT_KINDS, sent by cells.admin.ParentSelect), as the kind changes.
document.addEventListener("DOMContentLoaded", function () {
  var kind = document.getElementById("id_kind");
  var parent = document.getElementById("id_parent");
  if (!kind || !parent || !parent.dataset.parentKinds) return;
  var allowed = JSON.parse(parent.dataset.parentKinds);
  var searchBase = parent.dataset.searchUrl ? parent.dataset.searchUrl.split("?")[0] : null;
  function update() {
    var kinds = allowed[kind.value] || null; // no kind chosen yet: any organization that may hold one
    if (searchBase !== null) {
      // Searching on the server (static/js/search-select.js reads the address at each search).
      parent.dataset.searchUrl = kind.value ? searchBase + "?kind=" + encodeURIComponent(kind.value) : searchBase;
      if (parent.tomselect) { parent.tomselect.loadedSearches = {}; parent.tomselect.clearOptions(); }
      return;
    }
    parent.querySelectorAll("option[data-kind]").forEach(function (option) {
      var offered = kinds === null || kinds.indexOf(option.dataset.kind) >= 0;
      option.hidden = !offered;
      option.disabled = !offered && !option.selected;
    });
  }
  kind.addEventListener("change", update);
  update();
});
