// The mentors' select offers the chosen cell's full members first (candidates.forms.MentorSelect): when the
// cell changes, a plain select moves them to the top (the others stay in name order), and a searching one
// asks the server for them first.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-mentors]").forEach(function (mentors) {
    var prefix = mentors.name.slice(0, mentors.name.length - "mentors".length);
    var cell = mentors.form && mentors.form.querySelector("select[name='" + prefix + "home_cell']");
    if (!cell) { return; }
    var searchUrl = mentors.dataset.searchUrl;
    function offer() {
      if (searchUrl !== undefined) {
        mentors.dataset.searchUrl = searchUrl + (cell.value ? "?cell=" + encodeURIComponent(cell.value) : "");
        return;
      }
      var options = Array.prototype.slice.call(mentors.options);
      function first(option) { return option.dataset.cell === cell.value && option.dataset.fullMember === "1" ? 0 : 1; }
      options.sort(function (a, b) { return first(a) - first(b) || Number(a.dataset.rank) - Number(b.dataset.rank); });
      options.forEach(function (option) { mentors.appendChild(option); });
    }
    cell.addEventListener("change", offer);
    offer();
  });
});
