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

// Copy buttons beside what a person types elsewhere (an account number, a reference): shown
// only where the browser can copy; without them each value is still selected by one click.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  if (navigator.clipboard) button.hidden = false;
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(
    () => { button.textContent = button.dataset.copied || button.textContent; },
    () => {  // refused (permissions): select the value for the person to copy
      const value = button.parentElement.querySelector(".copy-value");
      if (value) window.getSelection().selectAllChildren(value);
    },
  );
});
