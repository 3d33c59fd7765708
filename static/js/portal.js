// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) select.form.requestSubmit();
});

// HS picker: a click on a code fills the listing's HS code field.
document.addEventListener("click", (event) => {
  const pick = event.target.closest("[data-hs-pick]");
  if (!pick) return;
  const field = document.getElementById("id_hs_code");
  if (field) {
    field.value = pick.dataset.hsPick;
    field.focus();
  }
});

// A form that undoes something asks first (the server acts on the POST either way).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
